package dev.sluice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.sluice.config.SluiceConfig;
import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;

/**
 * The configuration page lists exactly the properties {@link SluiceConfig} defines, each with its default (or "none",
 * "(required)" where it has none), so the page and the code cannot drift apart. A row may name several properties of
 * one group ({@code `sluice.alarms.pool-warning`, `pool-critical`}) with as many defaults.
 */
class ConfigurationDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| (`sluice\\.[^|]+) \\| ([^|]+) \\|", Pattern.MULTILINE);
    private static final Pattern CODE = Pattern.compile("`([^`]*)`");

    @Test
    void thePageListsEverySettingWithItsDefault() throws Exception {
        Map<String, String> documented = new TreeMap<>();
        Matcher row = ROW.matcher(Files.readString(Path.of("docs", "configuration.md")));
        while (row.find()) {
            List<String> names = codes(row.group(1));
            List<String> defaults = codes(row.group(2));
            String group = names.get(0).substring(0, names.get(0).lastIndexOf('.') + 1);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i).startsWith("sluice.") ? names.get(i) : group + names.get(i);
                // a default is the row's i-th code, the first when the row has one for all; none where it has none
                String value = defaults.isEmpty() ? null : defaults.get(Math.min(i, defaults.size() - 1));
                assertTrue(documented.put(name, value == null ? "" : value) == null, name + " is listed twice");
            }
        }
        Map<String, String> defined = new TreeMap<>();
        ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(SluiceConfig.class, "sluice"))
                .forEach((name, property) -> {
                    // a list is one setting (comma-separated); its indexed form, name[0], is the same one
                    if (!property.isGroup() && !name.endsWith("[*]")) {
                        defined.put(name, property.hasDefaultValue() ? property.getDefaultValue() : "");
                    }
                });
        assertEquals(defined.keySet(), documented.keySet(), "the properties SluiceConfig defines");
        assertEquals(defined, documented, "their defaults");
    }

    private static List<String> codes(String cell) {
        List<String> codes = new ArrayList<>();
        Matcher code = CODE.matcher(cell);
        while (code.find()) {
            codes.add(code.group(1));
        }
        return codes;
    }
}
