package dev.rankwise.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.rankwise.benchmarks.infer.EncodeRun;
import dev.rankwise.benchmarks.infer.GemmBenchmark;
import dev.rankwise.benchmarks.infer.InterleavedRun;
import dev.rankwise.benchmarks.infer.JmhRuns;
import dev.rankwise.benchmarks.infer.JmhRuns.Timing;
import dev.rankwise.benchmarks.infer.MergeBenchmark;
import dev.rankwise.benchmarks.infer.Variants;
import dev.rankwise.benchmarks.reference.PyTorchReference;
import dev.rankwise.benchmarks.report.Figures;
import dev.rankwise.benchmarks.report.ResultsFiles;
import dev.rankwise.benchmarks.report.RunInfo;
import dev.rankwise.benchmarks.train.ProfileSummary;
import dev.rankwise.benchmarks.train.TrainStepRun;
import dev.rankwise.reporting.Machine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole benchmark suite in one command: training steps (ours in a JVM per setup, the PyTorch
 * reference on the same weights and batch), inference latency under JMH, a profile of our step, a
 * long run's memory; then {@code results.json}, {@code RESULTS.md} and {@code results.png}.
 * Without a Python that has torch it says how to get one and reports our figures alone.
 */
@Command(name = "benchmarks", mixinStandardHelpOptions = true,
    description = "Runs the benchmark suite and writes results.json, RESULTS.md and results.png into --out.")
public final class BenchmarkSuite implements Callable<Integer> {

  /** The training setups issue 19's targets are on: each run {@code --runs} times. */
  private static final List<String> STEPS = List.of("minilm-lora-8", "minilm-decomposed-8x8", "minilm-experts-3of9",
      "stack-lora-8");

  /** The token-routing sweep, with {@code --token-routing}: one run each. */
  private static final List<String> TOKEN_ROUTING = List.of("minilm-tokens-1of4", "minilm-tokens-2of8",
      "minilm-tokens-4of16", "minilm-tokens-8of32");

  @Option(names = "--out", required = true, description = "Where the three results files go.")
  Path out;

  @Option(names = "--work", description = "Scratch: exports, logs, raw JMH output. Default: --out/target/benchmarks.")
  Path work;

  @Option(names = "--reference", required = true, description = "The PyTorch reference script.")
  Path script;

  @Option(names = "--data", required = true, description = "The data folder whose texts the encoding figure reads.")
  Path data;

  @Option(names = "--python", split = ",", defaultValue = "python3,/usr/bin/python3",
      description = "Interpreters to try for the reference, first with torch wins. Default: ${DEFAULT-VALUE}.")
  List<String> pythons;

  @Option(names = "--threads", defaultValue = "2",
      description = "Intra-op threads on both sides (libtorch and torch, plus OMP_NUM_THREADS). Default: ${DEFAULT-VALUE}.")
  int threads;

  @Option(names = "--quick", description = "A smoke run: few steps and iterations, a 100-step memory run. Not for publishing.")
  boolean quick;

  @Option(names = "--soak-steps", defaultValue = "300", description = "Steps of the memory run (rankwise soak runs"
      + " longer ones). Default: ${DEFAULT-VALUE}.")
  int soakSteps;

  @Option(names = "--runs", defaultValue = "3", description = "Runs of each training setup, ours and the reference's"
      + " taking turns; the report gives each run's ratio. Default: ${DEFAULT-VALUE}.")
  int runs;

  @Option(names = "--token-routing", description = "Also the token-routing sweep: four more setups, one run each.")
  boolean tokenRouting;

  /** Runs the suite; exit 0 when every file was written, 2 on a bad option, 1 on a failed measurement. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchmarkSuite()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Instant start = Instant.now();
    Path scratch = work != null ? work : out.resolve("target").resolve("benchmarks");
    Files.createDirectories(scratch);
    if (runs < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--runs must be at least 1, got " + runs);
    }
    int warmup = quick ? 3 : 5;
    int measured = quick ? 5 : 15;
    int soak = quick ? 100 : soakSteps;
    StringBuilder whyNot = new StringBuilder();
    Optional<PyTorchReference> reference = PyTorchReference.find(pythons, script, threads, whyNot);
    System.out.println(reference.map(found -> "Reference: " + found.python() + " " + script)
        .orElse("Reference skipped: " + whyNot + ". Our figures are reported alone."));

    Map<String, JsonObject> ours = new LinkedHashMap<>();
    Map<String, JsonObject> theirs = new LinkedHashMap<>();
    Path exports = scratch.resolve("export");
    List<String> trained = new ArrayList<>(STEPS);
    if (tokenRouting) {
      trained.addAll(TOKEN_ROUTING);
    }
    List<String> spread = new ArrayList<>();
    for (String id : trained) {
      int repeats = quick || !STEPS.contains(id) ? 1 : runs;
      // Ours and theirs take turns, so that a slow minute of this shared machine hits both sides.
      List<JsonObject> oursRuns = new ArrayList<>();
      List<JsonObject> theirRuns = new ArrayList<>();
      for (int repeat = 1; repeat <= repeats; repeat++) {
        System.out.printf("[training step] %s: rankwise (%d of %d)%n", id, repeat, repeats);
        List<String> options = new ArrayList<>(List.of("--setup", id, "--warmup", "" + warmup, "--measured",
            "" + measured));
        if (repeat == 1) {
          options.addAll(List.of("--export", exports.toString()));
          if (id.equals("minilm-lora-8")) {
            options.addAll(List.of("--save", scratch.resolve("adapters").resolve(id).toString()));
          }
        }
        oursRuns.add(stepRun(options, scratch.resolve("logs").resolve(id + "." + repeat + ".log")));
        if (reference.isPresent()) {
          System.out.printf("[training step] %s: PyTorch (%d of %d)%n", id, repeat, repeats);
          theirRuns.add(reference.get().train(exports.resolve(id), warmup, measured,
              scratch.resolve("logs").resolve(id + "." + repeat + ".pytorch.log")));
        }
      }
      ours.put(id, pooled(oursRuns));
      if (!theirRuns.isEmpty()) {
        theirs.put(id, pooled(theirRuns));
        spread.add(spread(Setup.byId(id).label(), oursRuns, theirRuns));
      }
    }

    JmhRuns jmh = quick ? new JmhRuns(1, 2, 1, threads) : new JmhRuns(2, 4, 2, threads);
    System.out.println("[inference] JMH: base, unmerged, merged");
    Map<String, Timing> merge = jmh.run(MergeBenchmark.class, List.of("setup", "variant"),
        scratch.resolve("jmh-merge.json"));
    System.out.println("[matrix products] JMH");
    JmhRuns gemmJmh = quick ? new JmhRuns(1, 2, 1, threads) : new JmhRuns(2, 5, 1, threads);
    Map<String, Timing> gemm = gemmJmh.run(GemmBenchmark.class, List.of("shape"), scratch.resolve("jmh-gemm.json"));
    JsonObject gemmReference = null;
    if (reference.isPresent()) {
      System.out.println("[matrix products] PyTorch");
      gemmReference = reference.get().gemm(GemmBenchmark.SHAPES, warmup * 2, measured * 5,
          scratch.resolve("logs").resolve("gemm.pytorch.log"));
    }
    int rounds = quick ? 10 : 30;
    Map<String, JsonObject> alternated = new LinkedHashMap<>();
    Map<String, JsonObject> inference = new LinkedHashMap<>();
    for (String id : List.of("minilm-lora-8", "stack-lora-8", "minilm-per-task-lora-8", "minilm-experts-3of9-3tasks")) {
      List<String> variants = id.contains("3tasks") || id.contains("per-task") ? Variants.MIXED : Variants.MERGE;
      System.out.printf("[inference] %s: rankwise, %s alternated%n", id, String.join(" / ", variants));
      alternated.put(id, javaRun(InterleavedRun.class, List.of("--setup", id, "--variants", String.join(",", variants),
          "--warmup", "" + warmup, "--rounds", "" + rounds), scratch.resolve("logs").resolve(id + ".infer.log")));
      if (reference.isPresent() && variants == Variants.MERGE) {
        System.out.printf("[inference] %s: PyTorch%n", id);
        inference.put(id, reference.get().infer(exports.resolve(id), warmup, rounds,
            scratch.resolve("logs").resolve(id + ".pytorch-infer.log")));
      }
    }

    System.out.println("[encoding] frozen layers of MiniLM over real texts: in order / by length, alternated");
    JsonObject encoding = javaRun(EncodeRun.class, List.of("--data", data.toString(), "--warmup", "1", "--rounds",
        quick ? "2" : "3"), scratch.resolve("logs").resolve("encode.log"));

    System.out.println("[profile] minilm-lora-8");
    Path trace = scratch.resolve("profile-minilm-lora-8.json");
    stepRun(List.of("--setup", "minilm-lora-8", "--warmup", "" + warmup, "--measured", "" + TrainStepRun.PROFILED_STEPS,
        "--profile", trace.toString()), scratch.resolve("logs").resolve("profile.log"));
    List<String> profile = ProfileSummary.lines(trace, TrainStepRun.PROFILED_STEPS, 10);

    System.out.printf("[memory] minilm-lora-8, %d steps%n", soak);
    JsonObject soakRun = stepRun(List.of("--setup", "minilm-lora-8", "--warmup", "3", "--measured", "" + (soak - 3),
        "--sample-every", "" + Math.max(1, soak / 10)), scratch.resolve("logs").resolve("memory.log"));

    Figures figures = new Figures();
    String trainGroup = "Training step (forward + backward + AdamW), MiniLM 16×64";
    figures.trainingStep(trainGroup, "LoRA r=8 on q,v", ours.get("minilm-lora-8"), theirs.get("minilm-lora-8"), 0.8)
        .trainingStep(trainGroup, "decomposed a=b=8 on q,v", ours.get("minilm-decomposed-8x8"),
            theirs.get("minilm-decomposed-8x8"), 0.8)
        .trainingStep(trainGroup, "rank experts 3 of 9, task-routed", ours.get("minilm-experts-3of9"),
            theirs.get("minilm-experts-3of9"), 0.8)
        .trainingStep("Training step, linear stack 8 × 1024², 16×64", "LoRA r=8 on every layer",
            ours.get("stack-lora-8"), theirs.get("stack-lora-8"), Double.NaN)
        .inference("Inference, MiniLM 16×64", variants(merge, "minilm-lora-8"), alternated.get("minilm-lora-8"),
            inference.get("minilm-lora-8"), 1.03)
        .inference("Inference, linear stack 8 × 1024², 16×64", variants(merge, "stack-lora-8"),
            alternated.get("stack-lora-8"), inference.get("stack-lora-8"), 1.05)
        .mixedTasks("Mixed-task batch (3 tasks, unmerged inference), MiniLM 16×64", "per-task LoRA r=8",
            alternated.get("minilm-per-task-lora-8"))
        .mixedTasks("Mixed-task batch (3 tasks, unmerged inference), MiniLM 16×64", "rank experts 3 of 9",
            alternated.get("minilm-experts-3of9-3tasks"));
    String tokenGroup = "Token routing (training step), MiniLM 16×64";
    for (String id : tokenRouting ? TOKEN_ROUTING : List.<String>of()) {
      figures.tokenRouting(tokenGroup, Setup.byId(id).label(), ours.get(id), theirs.get(id), ours.get("minilm-lora-8"),
          theirs.get("minilm-lora-8"));
    }
    figures.gemm("Matrix products underneath: x · Wᵀ, float32, 2 threads", gemm, gemmReference)
        .memory("Memory", ours.get("minilm-lora-8"), theirs.get("minilm-lora-8"))
        .soak("Memory over " + soak + " training steps, LoRA r=8, MiniLM 16×64", soakRun)
        .encoding("Encoding real texts: frozen layers 0–3 of MiniLM, 96 tokens, batches of 32",
            String.format(Locale.ROOT, "per text, batched by length (%d texts of %.0f tokens on average)",
                encoding.get("texts").getAsInt(), encoding.get("mean_tokens").getAsDouble()), encoding);

    List<String> checks = new ArrayList<>();
    theirs.forEach((id, run) -> checks.add(lossCheck(id, ours.get(id), run)));
    inference.forEach((id, run) -> checks.add(String.format(Locale.ROOT,
        "%s inference: largest |features − ours| unmerged %.2g, merged %.2g", id,
        run.getAsJsonObject("max_abs_diff").get("unmerged").getAsDouble(),
        run.getAsJsonObject("max_abs_diff").get("merged").getAsDouble())));

    JsonObject any = ours.get("minilm-lora-8");
    String oursSide = String.format(Locale.ROOT, "rankwise on DJL 0.36.0, libtorch %s, %d intra-op threads,"
        + " 1 inter-op thread (ai.djl.pytorch.num_threads, OMP_NUM_THREADS)", any.get("engine").getAsString(), threads);
    String referenceSide = theirs.isEmpty() ? "not run: " + whyNot
        : describe(theirs.get("minilm-lora-8"), reference.get().python());
    double seconds = ChronoUnit.MILLIS.between(start, Instant.now()) / 1000.0;
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads)); // what Machine reports
    RunInfo run = new RunInfo(start.truncatedTo(ChronoUnit.SECONDS).toString(), Machine.describe(), oursSide,
        referenceSide, "mvn -B -q -Pbenchmarks -DskipTests verify" + (quick ? " -Dbenchmarks.options=--quick" : ""),
        seconds, checks, spread, profile);
    ResultsFiles.write(out, run, figures.rows());
    System.out.printf(Locale.ROOT, "Wrote %s, %s and %s into %s in %.0f s.%n", ResultsFiles.MARKDOWN,
        ResultsFiles.JSON, ResultsFiles.CHART, out, seconds);
    return 0;
  }

  /** Each run's ratio of median steps, ours ÷ the reference's, with their median and range. */
  static String spread(String label, List<JsonObject> ours, List<JsonObject> theirs) {
    double[] ratios = new double[ours.size()];
    List<String> each = new ArrayList<>();
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = Figures.medianStep(ours.get(i)) / Figures.medianStep(theirs.get(i));
      each.add(String.format(Locale.ROOT, "%.3f", ratios[i]));
    }
    double[] sorted = ratios.clone();
    java.util.Arrays.sort(sorted);
    return String.format(Locale.ROOT, "%s: %s over %d runs (median %.3f, range %.3f–%.3f)", label,
        String.join(", ", each), ratios.length, Percentiles.median(sorted), sorted[0], sorted[sorted.length - 1]);
  }

  /** Runs {@link TrainStepRun} in a JVM of its own with the suite's engine settings. */
  private JsonObject stepRun(List<String> options, Path log) throws Exception {
    return javaRun(TrainStepRun.class, options, log);
  }

  /** Runs a measuring command's {@code main} in a JVM of its own with the suite's engine settings. */
  private JsonObject javaRun(Class<?> main, List<String> options, Path log) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch", "-Dai.djl.pytorch.num_threads=" + threads,
        "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"),
        main.getName()));
    command.addAll(options);
    return JsonProcess.run(command, PyTorchReference.threadEnvironment(threads), log);
  }

  /**
   * The runs of one setup as one: the measured step times of every run, memory as the last run
   * measured it, the rest as the first. Our first run also writes the reference's export and the
   * adapters, so its peak is not training's alone; the last only trains, as the reference's runs do.
   */
  static JsonObject pooled(List<JsonObject> runs) {
    JsonObject first = runs.get(0).deepCopy();
    JsonArray steps = new JsonArray();
    runs.forEach(run -> steps.addAll(run.getAsJsonArray("step_ms")));
    first.add("step_ms", steps);
    first.addProperty("runs", runs.size());
    JsonObject last = runs.get(runs.size() - 1);
    for (String memory : List.of("peak_rss_bytes", "heap_committed_bytes")) {
      if (last.has(memory)) {
        first.add(memory, last.get(memory));
      }
    }
    return first;
  }

  private static Map<String, Timing> variants(Map<String, Timing> timings, String setup) {
    Map<String, Timing> variants = new LinkedHashMap<>();
    timings.forEach((key, timing) -> {
      if (key.startsWith(setup + "/")) {
        variants.put(key.substring(setup.length() + 1), timing);
      }
    });
    return variants;
  }

  /**
   * Whether both sides computed the same first losses (same weights, batch, loss and optimizer):
   * step 1 tests the forward pass and the loss, steps 2 and 3 the update too. A difference above
   * 1e-3 relative (1e-3 absolute below 1) is a mismatch.
   */
  private static String lossCheck(String id, JsonObject ours, JsonObject theirs) {
    double largest = 0;
    boolean mismatch = false;
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < TrainStepRun.CHECKED_LOSSES; i++) {
      double mine = ours.getAsJsonArray("losses").get(i).getAsDouble();
      double other = theirs.getAsJsonArray("losses").get(i).getAsDouble();
      largest = Math.max(largest, Math.abs(mine - other));
      mismatch |= Math.abs(mine - other) > 1e-3 * Math.max(1, Math.abs(other));
      values.append(String.format(Locale.ROOT, "%s%.5f/%.5f", i == 0 ? "" : ", ", mine, other));
    }
    return String.format(Locale.ROOT, "%s: losses of steps 1–%d, ours/PyTorch %s — largest difference %.2g%s", id,
        TrainStepRun.CHECKED_LOSSES, values, largest, mismatch ? " **MISMATCH**" : "");
  }

  private static String describe(JsonObject run, String python) {
    List<String> libraries = new ArrayList<>();
    run.getAsJsonArray("blas_libraries").forEach(library -> libraries.add(library.getAsString()));
    return String.format(Locale.ROOT, "PyTorch %s eager (%s, Python %s, BLAS %s), %d threads via torch.set_num_threads"
        + " and OMP_NUM_THREADS", run.get("torch").getAsString(), python, run.get("python").getAsString(),
        libraries.isEmpty() ? run.get("blas").getAsString() : String.join(", ", libraries), run.get("threads").getAsInt());
  }
}
