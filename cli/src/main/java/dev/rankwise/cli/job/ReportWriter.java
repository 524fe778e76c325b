package dev.rankwise.cli.job;

import dev.rankwise.reporting.Machine;
import com.google.gson.GsonBuilder;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.reporting.Charts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a {@link DemoReport} as {@code report.md}, {@code results.json} and PNG charts. */
public final class ReportWriter {

  /** The Markdown report's file name. */
  public static final String REPORT = "report.md";

  /** The machine-readable results' file name. */
  public static final String RESULTS = "results.json";

  private static final String LOSS_CHART = "loss.png";
  private static final String ACCURACY_CHART = "accuracy.png";
  private static final String F1_CHART = "f1.png";
  private static final int LOSS_WINDOW = 10;

  private final Path out;

  /** A writer into the folder {@code out} (created if missing). */
  public ReportWriter(Path out) {
    this.out = out;
  }

  /** Writes every file; each is written whole to a temporary file first, then renamed. */
  public void write(DemoReport report) throws IOException {
    Files.createDirectories(out);
    AtomicFiles.write(out.resolve(RESULTS), results(report));
    List<String> charts = charts(report);
    AtomicFiles.write(out.resolve(REPORT), markdown(report, charts));
  }

  /** Draws the charts and returns their Markdown image lines. */
  private List<String> charts(DemoReport report) throws IOException {
    List<String> images = new ArrayList<>();
    Map<String, List<Double>> losses = new LinkedHashMap<>();
    report.methods().forEach(row -> losses.put(row.label(), row.losses()));
    Charts.lossCurves(out.resolve(LOSS_CHART), "Training loss (mean task cross-entropy, moving average of "
        + LOSS_WINDOW + " steps)", losses, LOSS_WINDOW);
    images.add("![training loss per method](" + LOSS_CHART + ")");
    Map<String, Map<String, Double>> accuracy = new LinkedHashMap<>();
    Map<String, Map<String, Double>> f1 = new LinkedHashMap<>();
    for (MethodResult row : report.rows()) {
      Map<String, Double> rowAccuracy = new LinkedHashMap<>();
      Map<String, Double> rowF1 = new LinkedHashMap<>();
      row.metrics().forEach(m -> {
        rowAccuracy.put(m.task(), m.accuracy());
        rowF1.put(m.task(), m.positiveF1());
      });
      accuracy.put(row.label(), rowAccuracy);
      f1.put(row.label(), rowF1);
    }
    Charts.groupedBars(out.resolve(ACCURACY_CHART), "Test accuracy per task", "accuracy", accuracy);
    images.add("![test accuracy per task and method](" + ACCURACY_CHART + ")");
    Charts.groupedBars(out.resolve(F1_CHART), "Test F1 of the positive class per task", "F1", f1);
    images.add("![test F1 per task and method](" + F1_CHART + ")");
    for (MethodResult row : report.methods()) {
      if (!row.selectedExperts().isEmpty()) {
        int experts = expertCount(row);
        String file = "experts-" + row.id() + ".png";
        Charts.expertSelection(out.resolve(file), "Experts selected per task: " + row.label()
            + " (share of adapted layers)", DemoReport.expertShares(row, experts), experts);
        images.add("![experts selected per task, " + row.label() + "](" + file + ")");
      }
    }
    return images;
  }

  /** The number of experts the method declares. */
  private static int expertCount(MethodResult row) {
    return Method.byId(row.id()).spec().targetRules().stream()
        .map(AdapterSpec.TargetRule::config)
        .filter(RankExpertsConfig.class::isInstance)
        .mapToInt(config -> ((RankExpertsConfig) config).count())
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(row.id() + " selected experts but declares none"));
  }

  private String markdown(DemoReport report, List<String> charts) {
    RunSettings s = report.settings();
    StringBuilder md = new StringBuilder("# rankwise main job: ").append(report.base()).append(" on ")
        .append(report.tasks().size()).append(" tasks\n\n");
    md.append("Run ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append(" on ").append(Machine.describe()).append("; wall time ")
        .append(String.format(Locale.ROOT, "%.0f s, of which %.0f s computed the frozen layers below the"
            + " adapters once for every method", report.seconds(), report.cacheSeconds())).append(".\n\n");
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
        + " test rows; adapter parameters exclude the task heads (one linear layer per task).\n\n");
    md.append(report.table()).append('\n');
    md.append("## Charts\n\n");
    charts.forEach(image -> md.append(image).append("\n\n"));
    String experts = report.selectedExperts();
    if (!experts.isEmpty()) {
      md.append("## Experts selected per task\n\n").append(experts);
    }
    md.append("Adapters and heads of each method: `adapters/<method>/` (PEFT-style safetensors + config).\n");
    return md.toString();
  }

  private static String results(DemoReport report) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("base", report.base());
    json.put("settings", report.settings());
    json.put("machine", Machine.describe());
    json.put("seconds", report.seconds());
    json.put("frozenLayerSeconds", report.cacheSeconds());
    json.put("methods", report.rows().stream().map(ReportWriter::json).toList());
    return toJson(json);
  }

  /** One method's result as JSON: id, size, time, steps, each task's metrics, experts, losses. */
  static Map<String, Object> json(MethodResult row) {
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
    method.put("skippedSteps", row.skippedSteps());
    method.put("losses", row.losses());
    return method;
  }

  /**
   * Writes one training run's settings, machine and result as {@code train-<method>.json} into
   * {@code out}, atomically; returns the file.
   */
  public static Path writeTrainingRun(Path out, String base, RunSettings settings, MethodResult result)
      throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("base", base);
    json.put("settings", settings);
    json.put("machine", Machine.describe());
    json.put("method", json(result));
    Files.createDirectories(out);
    Path file = out.resolve("train-" + result.id() + ".json");
    AtomicFiles.write(file, toJson(json));
    return file;
  }

  private static String toJson(Object json) {
    return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json);
  }
}
