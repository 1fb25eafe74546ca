package io.segmentrefiner.refiner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AttributeRenamesTest {

    @Test
    void parsesCommaSeparatedFromToPairs() {
        AttributeRenames renames = AttributeRenames.parse("a:b,c:d");

        assertThat(renames.renames()).isEqualTo(Map.of("a", "b", "c", "d"));
    }

    @Test
    void renamesAMappedKey() {
        AttributeRenames renames = AttributeRenames.parse("address:userAddress,plan:tier");

        assertThat(renames.rename("address")).isEqualTo("userAddress");
        assertThat(renames.rename("plan")).isEqualTo("tier");
    }

    @Test
    void leavesAnUnmappedKeyAsItIs() {
        AttributeRenames renames = AttributeRenames.parse("plan:tier");

        assertThat(renames.rename("tier")).isEqualTo("tier");
        assertThat(renames.rename("name")).isEqualTo("name");
    }

    @Test
    void trimsSpacesAroundKeys() {
        AttributeRenames renames = AttributeRenames.parse(" plan : tier , address:home ");

        assertThat(renames.renames()).isEqualTo(Map.of("plan", "tier", "address", "home"));
    }

    @Test
    void emptyTextMeansNoRenames() {
        assertThat(AttributeRenames.parse("").renames()).isEmpty();
        assertThat(AttributeRenames.parse("   ").renames()).isEmpty();
        assertThat(AttributeRenames.parse(null).renames()).isEmpty();
    }

    @Test
    void noneRenamesNothing() {
        assertThat(AttributeRenames.NONE.rename("plan")).isEqualTo("plan");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"a", "a:", ":b", " : ", "a:b:c", "plan:tier,oops", "plan:tier,:b"})
    void malformedTextIsRejected(String text) {
        assertThatThrownBy(() -> AttributeRenames.parse(text))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
