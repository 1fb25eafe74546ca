package io.segmentrefiner.refiner;

/** The settings that shape requests: {@code mapping.page.event}, {@code mapping.user.attributes}, {@code mapping.account.attributes}. */
public record MappingSettings(PageEventNaming pageEvent, AttributeRenames userAttributes, AttributeRenames accountAttributes) {

    /** The mapping of the default settings ({@code StageSettingsTest} keeps them equal). */
    public static final MappingSettings DEFAULTS =
            new MappingSettings(PageEventNaming.PAGEVIEW, AttributeRenames.NONE, AttributeRenames.NONE);
}
