package dev.rankwise.samples.encoder;

import com.google.gson.GsonBuilder;
import dev.rankwise.runtime.train.TaskMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Writes a {@link DemoReport} as {@code report.md}, {@code results.json} and PNG charts. */
public final class ReportWriter {

  /** The Markdown report's file name. */
  public static final String REPORT = "report.md";

  /** The machine-readable results' file name. */
  public static final String RESULTS = "results.json";

  private final Path out;

  /** A writer into the folder {@code out} (created if missing). */
  public ReportWriter(Path out) {
    this.out = out;
  }

  /** Writes every file; each is written whole to a temporary file first, then renamed. */
  public void write(DemoReport report) throws IOException {
    Files.createDirectories(out);
    writeAtomically(out.resolve(RESULTS), results(report));
    writeAtomically(out.resolve(REPORT), markdown(report));
  }

  private String markdown(DemoReport report) {
    RunSettings s = report.settings();
    StringBuilder md = new StringBuilder("# rankwise main job: all-MiniLM-L6-v2 on ")
        .append(report.tasks().size()).append(" tasks\n\n");
    md.append("Run ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append(" on ").append(Machine.describe()).append("; wall time ")
        .append(String.format(Locale.ROOT, "%.0f s", report.seconds())).append(".\n\n");
    md.append(String.format(Locale.ROOT, "Settings: %s training rows per task, %s test rows per task, %d tokens per"
            + " text, %d epochs over the largest task, batch %d (equal share per task), AdamW lr %.0e with"
            + " linear decay, seed %d.%n%n",
        s.trainRows() == 0 ? "all" : Integer.toString(s.trainRows()),
        s.testRows() == 0 ? "all" : Integer.toString(s.testRows()), s.maxLength(), s.epochs(),
        s.batchSize(), s.learningRate(), s.seed()));
    md.append("| task | training rows | test rows | classes |\n|---|---:|---:|---|\n");
    for (TaskTexts task : report.tasks()) {
      md.append("| ").append(task.name()).append(" | ").append(task.trainTexts().size()).append(" | ")
          .append(task.testTexts().size()).append(" | ").append(String.join(", ", task.labels())).append(" |\n");
    }
    md.append("\n## Test results\n\nAccuracy and F1 of the positive class (the second label) on each task's"
        + " test rows; adapter parameters exclude the task heads (385 × classes each).\n\n");
    md.append(report.table()).append('\n');
    String experts = report.selectedExperts();
    if (!experts.isEmpty()) {
      md.append("## Experts selected per task\n\n").append(experts);
    }
    return md.toString();
  }

  private static String results(DemoReport report) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("settings", report.settings());
    json.put("machine", Machine.describe());
    json.put("seconds", report.seconds());
    json.put("methods", report.rows().stream().map(row -> {
      Map<String, Object> method = new LinkedHashMap<>();
      method.put("id", row.id());
      method.put("label", row.label());
      method.put("adapterParameters", row.adapterParameters());
      method.put("seconds", row.seconds());
      method.put("steps", row.losses().size());
      Map<String, TaskMetrics> metrics = new LinkedHashMap<>();
      row.metrics().forEach(m -> metrics.put(m.task(), m));
      method.put("metrics", metrics);
      method.put("selectedExperts", row.selectedExperts());
      method.put("losses", row.losses());
      return method;
    }).toList());
    return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json);
  }

  /** Writes the text to a temporary file beside {@code target}, then renames it over the target. */
  static void writeAtomically(Path target, String text) throws IOException {
    Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    try {
      Files.writeString(temporary, text, StandardCharsets.UTF_8);
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
