package dev.rankwise.benchmarks.report;

import dev.rankwise.reporting.Machine;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.reporting.Charts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a run's figures as {@code results.json}, {@code RESULTS.md} (a table per group: ours, the
 * reference, the ratio, the target and whether it is met) and {@code results.png} (every ratio
 * against its target). Each file is replaced atomically, so an interrupted run leaves the previous
 * results whole.
 */
public final class ResultsFiles {

  /** The JSON file's name. */
  public static final String JSON = "results.json";

  /** The Markdown file's name. */
  public static final String MARKDOWN = "RESULTS.md";

  /** The chart's name. */
  public static final String CHART = "results.png";

  private ResultsFiles() {}

  /** Writes the three files into {@code directory}. */
  public static void write(Path directory, RunInfo run, List<Figure> figures) throws IOException {
    Files.createDirectories(directory);
    AtomicFiles.write(directory.resolve(JSON), json(run, figures).getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(directory.resolve(MARKDOWN), markdown(run, figures).getBytes(StandardCharsets.UTF_8));
    Map<String, Double> ratios = new LinkedHashMap<>();
    Map<String, Double> targets = new LinkedHashMap<>();
    for (Figure figure : figures) {
      String label = figure.name() + " · " + tag(figure.group());
      double value = figure.targetOn() == Figure.TargetOn.OURS ? figure.ours() : figure.ratio().orElse(Double.NaN);
      if (Double.isFinite(value) && (figure.hasTarget() || figure.unit().equals("ms"))) {
        if (ratios.put(label, value) != null) {
          throw new IllegalStateException("two figures share the chart label '" + label + "'");
        }
        if (figure.hasTarget()) {
          targets.put(label, figure.target());
        }
      }
    }
    if (!ratios.isEmpty()) {
      Charts.ratioBars(directory.resolve(CHART), "rankwise ÷ reference (lower is better; line = parity)",
          ratios, targets);
    }
  }

  /** A group's short name on the chart: its first word and the workload, such as "training MiniLM". */
  static String tag(String group) {
    String first = group.split("[ ,(]")[0].toLowerCase(Locale.ROOT);
    return group.contains("stack") ? first + " stack" : group.contains("MiniLM") ? first + " MiniLM" : first;
  }

  static String json(RunInfo run, List<Figure> figures) {
    JsonObject root = new GsonBuilder().create().toJsonTree(run).getAsJsonObject();
    JsonArray rows = new JsonArray();
    for (Figure figure : figures) {
      JsonObject row = new JsonObject();
      row.addProperty("group", figure.group());
      row.addProperty("name", figure.name());
      row.addProperty("unit", figure.unit());
      row.addProperty("ours", figure.ours());
      if (Double.isFinite(figure.reference())) {
        row.addProperty("reference", figure.reference());
      }
      row.addProperty("referenceIs", figure.referenceIs());
      figure.ratio().ifPresent(ratio -> row.addProperty("ratio", ratio));
      if (figure.hasTarget()) {
        row.addProperty("target", figure.target());
        row.addProperty("targetOn", figure.targetOn().name().toLowerCase(Locale.ROOT));
        figure.met().ifPresent(met -> row.addProperty("met", met));
      }
      rows.add(row);
    }
    root.add("figures", rows);
    return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(root) + "\n";
  }

  static String markdown(RunInfo run, List<Figure> figures) {
    StringBuilder md = new StringBuilder();
    md.append("# rankwise benchmarks\n\n");
    md.append("Written by `").append(run.command()).append("` on ").append(run.date()).append(" in ")
        .append(String.format(Locale.ROOT, "%.0f", run.seconds() / 60)).append(" min.\n\n");
    md.append("- Machine: ").append(run.machine()).append('\n');
    md.append("- rankwise: ").append(run.ours()).append('\n');
    md.append("- Reference: ").append(run.reference()).append("\n\n");
    md.append("Lower is better everywhere; the ratio is ours ÷ reference. A target bounds the ratio, or")
        .append(" ours where ours is itself a ratio (marked ⁽ʳ⁾). Where a target is missed, [README.md](README.md)")
        .append(" gives the gap, what explains it and what would close it.\n");
    String group = null;
    for (Figure figure : figures) {
      if (!figure.group().equals(group)) {
        group = figure.group();
        md.append("\n## ").append(group).append("\n\n");
        md.append("| figure | rankwise | reference | reference is | ratio | target | met |\n");
        md.append("|---|---:|---:|---|---:|---:|:-:|\n");
      }
      md.append("| ").append(figure.name())
          .append(" | ").append(format(figure.ours(), figure.unit()))
          .append(" | ").append(Double.isFinite(figure.reference()) ? format(figure.reference(), figure.unit()) : "—")
          .append(" | ").append(figure.referenceIs())
          .append(" | ").append(figure.ratio().isPresent()
              ? String.format(Locale.ROOT, "%.3f", figure.ratio().getAsDouble()) : "—")
          .append(" | ").append(figure.hasTarget()
              ? "≤ " + String.format(Locale.ROOT, "%.2f", figure.target())
                  + (figure.targetOn() == Figure.TargetOn.OURS ? " ⁽ʳ⁾" : "") : "")
          .append(" | ").append(figure.met().map(met -> met ? "yes" : "**no**").orElse(""))
          .append(" |\n");
    }
    if (!run.checks().isEmpty()) {
      md.append("\n## Same computation on both sides\n\n");
      run.checks().forEach(line -> md.append("- ").append(line).append('\n'));
    }
    if (!run.spread().isEmpty()) {
      md.append("\n## Training step ratio, run by run\n\n");
      run.spread().forEach(line -> md.append("- ").append(line).append('\n'));
    }
    if (!run.profile().isEmpty()) {
      md.append("\n## Where our training step's time goes\n\n");
      run.profile().forEach(line -> md.append("- ").append(line).append('\n'));
    }
    md.append("\nChart: [").append(CHART).append("](").append(CHART).append("); every number: [")
        .append(JSON).append("](").append(JSON).append(").\n");
    return md.toString();
  }

  /** A value in its unit, for the table. */
  static String format(double value, String unit) {
    return switch (unit) {
      case "ms" -> String.format(Locale.ROOT, "%.1f ms", value);
      case "MiB" -> String.format(Locale.ROOT, "%.0f MiB", value);
      case "bytes", "count" -> String.format(Locale.ROOT, "%,d", Math.round(value));
      case "×" -> String.format(Locale.ROOT, "%.3f", value);
      default -> throw new IllegalArgumentException("unknown unit '" + unit + "'");
    };
  }
}
