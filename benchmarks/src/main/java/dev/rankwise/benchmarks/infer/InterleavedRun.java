package dev.rankwise.benchmarks.infer;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.rankwise.benchmarks.Percentiles;
import dev.rankwise.benchmarks.Setup;
import dev.rankwise.runtime.NativeAllocator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Forward passes of several variants in one JVM, alternated round-robin, as the PyTorch script
 * times its variants: a ratio between variants then sees the same machine state on both sides. On
 * this 2-core VM, JMH's one-variant-after-another runs drift by up to 5 % between variants that do
 * the same work, more than the 1 % a merged-over-base target allows. Prints one JSON object: the
 * median, 10th and 90th percentile per variant.
 */
@Command(name = "interleaved-run", mixinStandardHelpOptions = true,
    description = "Times forward passes of several variants of a setup, alternated; prints one JSON object.")
public final class InterleavedRun implements Callable<Integer> {

  @Option(names = "--setup", required = true, description = "The setup's id (Setup.ALL).")
  String setup;

  @Option(names = "--variants", required = true, split = ",", description = "base,unmerged,merged or single,mixed.")
  List<String> variants;

  @Option(names = "--warmup", defaultValue = "10", description = "Untimed rounds.")
  int warmup;

  @Option(names = "--rounds", defaultValue = "60", description = "Timed rounds; each times every variant once.")
  int rounds;

  /** Runs as the arguments say; exit 2 on a bad argument. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new InterleavedRun()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    NativeAllocator.keepFreedMemory(); // as the command line does (docs/DESIGN.md §7)
    if (warmup < 0 || rounds < 1) {
      throw new ParameterException(new CommandLine(this), "--warmup must be at least 0 and --rounds at least 1");
    }
    Map<String, double[]> times = new LinkedHashMap<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      JniUtils.setGradMode(false); // once the engine is loaded
      List<ForwardPass> passes = new ArrayList<>();
      for (String variant : variants) {
        passes.add(Variants.load(Setup.byId(setup), variant, manager));
        times.put(variant, new double[rounds]);
      }
      for (int round = -warmup; round < rounds; round++) {
        for (int i = 0; i < passes.size(); i++) {
          try (NDManager pass = manager.newSubManager()) {
            var batch = passes.get(i).batch(pass);
            long start = System.nanoTime();
            passes.get(i).run(pass, batch);
            if (round >= 0) {
              times.get(variants.get(i))[round] = (System.nanoTime() - start) / 1e6;
            }
          }
        }
      }
    }
    JsonObject result = new JsonObject();
    result.addProperty("setup", setup);
    JsonObject byVariant = new JsonObject();
    times.forEach((variant, values) -> byVariant.add(variant, Percentiles.summaryMs(values)));
    result.add("variants", byVariant);
    System.out.println(new Gson().toJson(result));
    return 0;
  }
}
