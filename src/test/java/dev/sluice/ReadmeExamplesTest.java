package dev.sluice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.PipelineTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * The README's "Try it" examples, run as written: each command of its shell blocks with {@code bash} (so {@code curl},
 * the variables and {@code $(...)} as a reader runs them) against the application, configured as the local run is
 * (its keys, its development JWT key), and each answer compared with the {@code # ->} line below the command: the
 * status, the headers named, and the JSON fields shown, exactly, where {@code ...} stands for the rest of an object or
 * array. A command without {@code curl} (setting a variable) is kept for the commands after it.
 */
@QuarkusTest
@TestProfile(ReadmeExamplesTest.LocalRun.class)
class ReadmeExamplesTest extends PipelineTest {

    /** What the local run's configuration ({@code %dev}) gives the examples. */
    public static class LocalRun implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.auth.write-keys", "dev-write-key", "sluice.auth.admin-keys", "dev-admin-key",
                    "sluice.auth.service-keys", "dev-service-key",
                    "mp.jwt.verify.publickey.location", "src/local/dev-jwt/jwks.json",
                    "mp.jwt.verify.issuer", "https://local.sluice.dev");
        }
    }

    /** One command of the README and the answer it documents (null: none documented, any 2xx). */
    record Step(String command, String expected) {
    }

    private static final String MORE = "\u0000more";
    private static final Pattern EXPECTED = Pattern.compile(
            "^(?:(\\d{3})\\s+)?((?:[A-Za-z-]+: \\S+\\s+)*)(.*)$", Pattern.DOTALL);
    private static final Pattern HEADER = Pattern.compile("([A-Za-z-]+): (\\S+)");
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void everyExampleAnswersAsDocumented() throws Exception {
        List<Step> steps = steps(Files.readString(Path.of("README.md")));
        assertTrue(steps.stream().filter(s -> s.expected() != null).count() >= 15, "the examples were found: " + steps);
        List<String> prelude = new ArrayList<>();
        for (Step step : steps) {
            if (!step.command().contains("curl ")) {
                prelude.add(step.command());
                continue;
            }
            String script = String.join("\n", prelude) + "\n" + step.command()
                    .replace("localhost:8080", "localhost:" + RestAssured.port);
            String output = bash(script);
            check(step, output);
        }
    }

    /** The commands of the shell blocks of the "Try it" section, each with the {@code # ->} line after it. */
    static List<Step> steps(String readme) {
        int from = readme.indexOf("## Try it");
        String section = readme.substring(from, readme.indexOf("\n## ", from + 1));
        List<Step> steps = new ArrayList<>();
        Matcher blocks = Pattern.compile("```shell\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (blocks.find()) {
            StringBuilder command = new StringBuilder();
            for (String line : blocks.group(1).split("\n")) {
                if (command.length() > 0) { // a command goes on over continuation lines and open quotes
                    command.append('\n').append(line);
                    if (!continues(command.toString())) {
                        steps.add(new Step(command.toString(), null));
                        command.setLength(0);
                    }
                } else if (line.startsWith("# -> ")) {
                    Step last = steps.remove(steps.size() - 1);
                    steps.add(new Step(last.command(), line.substring(5)));
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    command.append(line);
                    if (!continues(command.toString())) {
                        steps.add(new Step(command.toString(), null));
                        command.setLength(0);
                    }
                }
            }
        }
        return steps;
    }

    private static boolean continues(String command) {
        return command.endsWith("\\") || command.chars().filter(c -> c == '\'').count() % 2 == 1;
    }

    private static String bash(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), script);
        return new String(out, StandardCharsets.UTF_8).replace("\r", "");
    }

    private void check(Step step, String output) throws IOException {
        int status = 200;
        Map<String, String> headers = new LinkedHashMap<>();
        String body = output.strip();
        if (output.startsWith("HTTP/")) {
            int end = output.indexOf("\n\n");
            String[] head = output.substring(0, end < 0 ? output.length() : end).split("\n");
            status = Integer.parseInt(head[0].split(" ")[1]);
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                headers.put(head[i].substring(0, colon).toLowerCase(Locale.ROOT), head[i].substring(colon + 1).strip());
            }
            body = end < 0 ? "" : output.substring(end + 2).strip();
        }
        String where = step.command() + "\n answered:\n" + output;
        if (step.expected() == null) {
            assertTrue(status / 100 == 2, where);
            return;
        }
        Matcher expected = EXPECTED.matcher(step.expected());
        assertTrue(expected.matches(), step.expected());
        if (expected.group(1) != null) {
            assertEquals(Integer.parseInt(expected.group(1)), status, where);
        }
        Matcher header = HEADER.matcher(expected.group(2));
        while (header.find()) {
            assertEquals(header.group(2), headers.get(header.group(1).toLowerCase(Locale.ROOT)), where);
        }
        JsonNode want = mapper.readTree(withMarkers(expected.group(3).strip()));
        JsonNode got = mapper.readTree(body);
        match(want, got, "$", where);
    }

    /** {@code ...} in an object becomes the key {@link #MORE}, in an array the element {@link #MORE}. */
    static String withMarkers(String json) {
        StringBuilder out = new StringBuilder();
        List<Character> open = new ArrayList<>();
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                out.append(c);
                if (c == '\\') {
                    out.append(json.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (json.startsWith("...", i)) {
                boolean object = !open.isEmpty() && open.get(open.size() - 1) == '{';
                out.append(object ? "\"\\u0000more\":true" : "\"\\u0000more\"");
                i += 2;
            } else {
                if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    open.add(c);
                } else if (c == '}' || c == ']') {
                    open.remove(open.size() - 1);
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Exactly what is shown; an object or array with {@code ...} may have more. */
    private static void match(JsonNode want, JsonNode got, String path, String where) {
        if (want.isObject()) {
            assertTrue(got.isObject(), path + " is not an object: " + where);
            boolean more = want.has(MORE);
            for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getKey().equals(MORE)) {
                    assertTrue(got.has(field.getKey()), path + "." + field.getKey() + " is missing: " + where);
                    match(field.getValue(), got.get(field.getKey()), path + "." + field.getKey(), where);
                }
            }
            if (!more) {
                assertEquals(want.size(), got.size(), path + " has other fields: " + where);
            }
        } else if (want.isArray()) {
            assertTrue(got.isArray(), path + " is not an array: " + where);
            List<JsonNode> shown = new ArrayList<>();
            want.forEach(element -> {
                if (!(element.isTextual() && element.textValue().equals(MORE))) {
                    shown.add(element);
                }
            });
            if (shown.size() == want.size()) {
                assertEquals(shown.size(), got.size(), path + " has another length: " + where);
            }
            for (int i = 0; i < shown.size(); i++) {
                assertTrue(i < got.size(), path + "[" + i + "] is missing: " + where);
                match(shown.get(i), got.get(i), path + "[" + i + "]", where);
            }
        } else if (want.isNumber()) {
            assertTrue(got.isNumber() && want.decimalValue().compareTo(got.decimalValue()) == 0,
                    path + ": " + want + " expected, " + got + " answered: " + where);
        } else if (!want.equals(got)) {
            fail(path + ": " + want + " expected, " + got + " answered: " + where);
        }
    }
}
