package dev.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A benchmark's tables: printed, and written to {@code target/bench/<name>.md}. */
final class Report {

    private final String name;
    private final StringBuilder text = new StringBuilder();

    Report(String name, String title) {
        this.name = name;
        text.append("## ").append(title).append("\n\n");
    }

    Report line(String line) {
        text.append(line).append("\n");
        return this;
    }

    Report table(List<String> header, List<List<String>> rows) {
        List<String> lines = new ArrayList<>();
        lines.add("| " + String.join(" | ", header) + " |");
        lines.add("|" + "---|".repeat(header.size()));
        rows.forEach(r -> lines.add("| " + String.join(" | ", r) + " |"));
        text.append("\n").append(String.join("\n", lines)).append("\n\n");
        return this;
    }

    void write() {
        System.out.println("\n" + text);
        try {
            Path dir = Path.of("target", "bench");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".md"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String ms(double millis) {
        return String.format("%.2f", millis);
    }
}
