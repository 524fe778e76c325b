package dev.rankwise.cli.job;

import dev.rankwise.runtime.train.TaskMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of a main-job run and their tables.
 *
 * @param base the name of the base encoder the methods fine-tuned
 * @param settings the run's settings
 * @param tasks the tasks' texts (for their row counts)
 * @param probe the frozen-encoder baseline
 * @param methods each method's result, in training order
 * @param cacheSeconds time spent computing the frozen layers below the adapters, once for all
 * @param seconds the run's wall time
 */
public record DemoReport(
    String base, RunSettings settings, List<TaskTexts> tasks, MethodResult probe, List<MethodResult> methods,
    double cacheSeconds, double seconds) {

  /** The probe first, then the methods. */
  public List<MethodResult> rows() {
    List<MethodResult> rows = new ArrayList<>();
    rows.add(probe);
    rows.addAll(methods);
    return rows;
  }

  /**
   * The results as a Markdown table: adapter parameters and their difference from the first
   * method's, each task's test accuracy and F1 (of the positive class), the mean accuracy, and
   * the training time.
   */
  public String table() {
    StringBuilder table = new StringBuilder("| method | adapter params | vs first |");
    StringBuilder rule = new StringBuilder("|---|---:|---:|");
    for (TaskTexts task : tasks) {
      table.append(' ').append(task.name()).append(" acc / F1 |");
      rule.append("---:|");
    }
    table.append(" mean acc | seconds |\n");
    rule.append("---:|---:|\n");
    table.append(rule);
    long reference = methods.isEmpty() ? 0 : methods.get(0).adapterParameters();
    for (MethodResult row : rows()) {
      table.append("| ").append(row.label()).append(" | ")
          .append(row.adapterParameters() == 0 ? "0" : String.format(Locale.ROOT, "%,d", row.adapterParameters()))
          .append(" | ")
          .append(row.adapterParameters() == 0 || reference == 0 ? "" : String.format(Locale.ROOT, "%+.1f %%",
              100.0 * (row.adapterParameters() - reference) / reference))
          .append(" |");
      double accuracy = 0;
      for (TaskTexts task : tasks) {
        TaskMetrics metrics = row.metrics(task.name());
        accuracy += metrics.accuracy();
        table.append(String.format(Locale.ROOT, " %.3f / %.3f |", metrics.accuracy(), metrics.positiveF1()));
      }
      table.append(String.format(Locale.ROOT, " %.3f | %.0f |%n", accuracy / tasks.size(), row.seconds()));
    }
    return table.toString();
  }

  /** For each rank-experts method, the experts each task selected in each adapted layer. */
  public String selectedExperts() {
    StringBuilder text = new StringBuilder();
    for (MethodResult row : methods) {
      if (row.selectedExperts().isEmpty()) {
        continue;
      }
      text.append("**").append(row.label()).append("**\n\n| layer |");
      List<String> names = tasks.stream().map(TaskTexts::name).toList();
      names.forEach(name -> text.append(' ').append(name).append(" |"));
      text.append("\n|---|").append("---|".repeat(names.size())).append('\n');
      for (Map.Entry<String, Map<String, int[]>> layer : row.selectedExperts().entrySet()) {
        text.append("| `").append(layer.getKey()).append("` |");
        for (String name : names) {
          text.append(' ').append(Arrays.toString(layer.getValue().get(name))).append(" |");
        }
        text.append('\n');
      }
      text.append('\n');
    }
    return text.toString();
  }

  /**
   * For a rank-experts method, the share of adapted layers in which each task selected each
   * expert, by task.
   */
  public static Map<String, double[]> expertShares(MethodResult row, int experts) {
    Map<String, double[]> shares = new java.util.LinkedHashMap<>();
    int layers = row.selectedExperts().size();
    for (Map<String, int[]> byTask : row.selectedExperts().values()) {
      for (Map.Entry<String, int[]> task : byTask.entrySet()) {
        double[] share = shares.computeIfAbsent(task.getKey(), name -> new double[experts]);
        for (int expert : task.getValue()) {
          share[expert] += 1.0 / layers;
        }
      }
    }
    return shares;
  }
}
