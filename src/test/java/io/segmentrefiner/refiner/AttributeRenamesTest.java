package io.segmentrefiner.refiner;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The text form {@code from:to,from:to} is read by {@code SettingParser.renames()}, and tested with it. */
class AttributeRenamesTest {

    @Test
    void renamesAMappedKey() {
        AttributeRenames renames = new AttributeRenames(Map.of("address", "userAddress", "plan", "tier"));

        assertThat(renames.rename("address")).isEqualTo("userAddress");
        assertThat(renames.rename("plan")).isEqualTo("tier");
    }

    @Test
    void leavesAnUnmappedKeyAsItIs() {
        AttributeRenames renames = new AttributeRenames(Map.of("plan", "tier"));

        assertThat(renames.rename("tier")).isEqualTo("tier");
        assertThat(renames.rename("name")).isEqualTo("name");
    }

    @Test
    void noneRenamesNothing() {
        assertThat(AttributeRenames.NONE.rename("plan")).isEqualTo("plan");
    }
}
