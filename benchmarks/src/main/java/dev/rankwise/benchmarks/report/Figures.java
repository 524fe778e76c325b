package dev.rankwise.benchmarks.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.rankwise.benchmarks.Percentiles;
import dev.rankwise.benchmarks.infer.JmhRuns.Timing;
import dev.rankwise.benchmarks.infer.Variants;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the suite's raw measurements into table rows: each of our figures beside the reference's,
 * with the targets. Missing reference values become NaN, so the table shows ours alone.
 */
public final class Figures {

  /** The reference in most rows. */
  public static final String PYTORCH = "PyTorch eager";

  private static final double MIB = 1024 * 1024;

  private final List<Figure> rows = new ArrayList<>();

  /** The rows so far, in order. */
  public List<Figure> rows() {
    return List.copyOf(rows);
  }

  /**
   * Inference rows of one LoRA setup: base, unmerged and merged latency (JMH) beside PyTorch's, then
   * unmerged ÷ base (≤ 1.05) and merged ÷ base (≤ 1.01) from runs that alternate the variants on
   * both sides.
   *
   * @param jmh our JMH timings by variant ({@code base}, {@code unmerged}, {@code merged})
   * @param interleaved our alternated run ({@code InterleavedRun})
   * @param reference the script's {@code infer} output, or null
   * @param unmergedTarget the bound on our unmerged ÷ base
   */
  public Figures inference(String group, Map<String, Timing> jmh, JsonObject interleaved, JsonObject reference,
      double unmergedTarget) {
    String[] names = {"frozen base", "LoRA r=8, unmerged", "LoRA r=8, merged"};
    for (int i = 0; i < 3; i++) {
      String variant = Variants.MERGE.get(i);
      Figure figure = Figure.of(group, names[i] + " (JMH median)", "ms", jmh.get(variant).medianMs(),
          median(reference, variant), PYTORCH);
      rows.add(variant.equals("base") ? figure.targetRatio(0.9) : figure);
    }
    rows.add(Figure.of(group, "unmerged ÷ base (alternated)", "×",
        median(interleaved, "unmerged") / median(interleaved, "base"),
        median(reference, "unmerged") / median(reference, "base"), PYTORCH + "'s ratio").targetOurs(unmergedTarget));
    rows.add(Figure.of(group, "merged ÷ base (alternated)", "×",
        median(interleaved, "merged") / median(interleaved, "base"),
        median(reference, "merged") / median(reference, "base"), PYTORCH + "'s ratio").targetOurs(1.01));
    return this;
  }

  /** The median time of a variant in an alternated run, NaN without the run. */
  private static double median(JsonObject run, String variant) {
    return run == null ? Double.NaN
        : run.getAsJsonObject("variants").getAsJsonObject(variant).get("median_ms").getAsDouble();
  }

  /**
   * A training-step row: our median step beside PyTorch's.
   *
   * @param ours the step run's output
   * @param reference the script's {@code train} output, or null
   * @param target the bound on the ratio, or NaN for none
   */
  public Figures trainingStep(String group, String name, JsonObject ours, JsonObject reference, double target) {
    Figure figure = Figure.of(group, name, "ms", medianStep(ours), reference == null ? Double.NaN : medianStep(reference),
        PYTORCH);
    rows.add(Double.isNaN(target) ? figure : figure.targetRatio(target));
    return this;
  }

  /** Encoding real texts through the frozen layers: milliseconds per text by length, beside in order. */
  public Figures encoding(String group, String name, JsonObject run) {
    rows.add(Figure.of(group, name, "ms", run.getAsJsonObject("by_length").get("median_ms").getAsDouble(),
        run.getAsJsonObject("in_order").get("median_ms").getAsDouble(), "the same texts in their order"));
    return this;
  }

  /** A row of the token-routing sweep: the step beside PyTorch's, and its cost over LoRA r=8 on both sides. */
  public Figures tokenRouting(String group, String name, JsonObject ours, JsonObject reference, JsonObject oursLora,
      JsonObject referenceLora) {
    rows.add(Figure.of(group, name + ", step", "ms", medianStep(ours),
        reference == null ? Double.NaN : medianStep(reference), PYTORCH));
    rows.add(Figure.of(group, name + " ÷ LoRA r=8", "×", medianStep(ours) / medianStep(oursLora),
        reference == null || referenceLora == null ? Double.NaN : medianStep(reference) / medianStep(referenceLora),
        PYTORCH + "'s ratio"));
    return this;
  }

  /** A mixed-task row: a batch of three tasks beside a batch of one, same adapters, alternated, target ≤ 1.1. */
  public Figures mixedTasks(String group, String name, JsonObject interleaved) {
    rows.add(Figure.of(group, name, "ms", median(interleaved, "mixed"), median(interleaved, "single"),
        "the same adapters, one-task batch").targetRatio(1.1));
    return this;
  }

  /**
   * One row per matrix product: our JMH median beside the PyTorch script's.
   *
   * @param ours JMH timings by shape {@code MxKxN}
   * @param reference the script's {@code gemm} output, or null
   */
  public Figures gemm(String group, Map<String, Timing> ours, JsonObject reference) {
    ours.forEach((shape, timing) -> rows.add(Figure.of(group, shape.replace("x", " × "), "ms", timing.medianMs(),
        reference == null ? Double.NaN
            : reference.getAsJsonObject("shapes").getAsJsonObject(shape).get("median_ms").getAsDouble(),
        PYTORCH)));
    return this;
  }

  /** Peak resident memory of a training run, beside PyTorch's; the saved adapters beside their raw floats. */
  public Figures memory(String group, JsonObject ours, JsonObject reference) {
    rows.add(Figure.of(group, "peak resident memory, training LoRA r=8", "MiB",
        ours.get("peak_rss_bytes").getAsLong() / MIB,
        reference == null ? Double.NaN : reference.get("peak_rss_bytes").getAsLong() / MIB, PYTORCH + " process")
        .targetRatio(1.0));
    rows.add(Figure.of(group, "of which Java heap, committed at the end", "MiB",
        ours.get("heap_committed_bytes").getAsLong() / MIB, Double.NaN, "—"));
    long parameters = ours.get("trainable_parameters").getAsLong();
    rows.add(Figure.of(group, String.format(Locale.ROOT, "adapter files of LoRA r=8 + head (%,d parameters)",
        parameters), "bytes", ours.get("adapter_file_bytes").getAsLong(), 4.0 * parameters, "4 × trainable parameters"));
    return this;
  }

  /**
   * Rows of a long run's memory samples: resident memory, live NDArrays and heap at the last sample
   * beside the first (growth targets ≤ 1.05, ≤ 1.0, ≤ 1.05).
   */
  public Figures soak(String group, JsonObject ours) {
    JsonArray samples = ours.getAsJsonArray("memory");
    JsonObject first = samples.get(0).getAsJsonObject();
    JsonObject last = samples.get(samples.size() - 1).getAsJsonObject();
    String from = "at step " + first.get("step").getAsInt();
    String to = " at step " + last.get("step").getAsInt();
    rows.add(Figure.of(group, "resident memory" + to, "MiB", last.get("residentBytes").getAsLong() / MIB,
        first.get("residentBytes").getAsLong() / MIB, "ours " + from).targetRatio(1.05));
    rows.add(Figure.of(group, "live NDArrays" + to, "count", last.get("liveArrays").getAsInt(),
        first.get("liveArrays").getAsInt(), "ours " + from).targetRatio(1.0));
    rows.add(Figure.of(group, "Java heap after GC" + to, "MiB", last.get("heapBytes").getAsLong() / MIB,
        first.get("heapBytes").getAsLong() / MIB, "ours " + from).targetRatio(1.05));
    return this;
  }

  /** The median of a run's measured step times. */
  public static double medianStep(JsonObject run) {
    JsonArray times = run.getAsJsonArray("step_ms");
    double[] values = new double[times.size()];
    int i = 0;
    for (JsonElement time : times) {
      values[i++] = time.getAsDouble();
    }
    return Percentiles.median(values);
  }
}
