package dev.rankwise.benchmarks.infer;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a JMH benchmark class in forked JVMs with the engine settings of the rest of the suite, and
 * returns each parameter combination's median time per forward pass.
 *
 * @param warmupIterations untimed iterations per fork
 * @param iterations timed iterations per fork
 * @param seconds length of every iteration
 * @param threads PyTorch intra-op threads in the forks
 */
public record JmhRuns(int warmupIterations, int iterations, int seconds, int threads) {

  /** One parameter combination's result. */
  public record Timing(double medianMs, double meanMs, long samples) {}

  /**
   * Runs every benchmark of {@code benchmark}, keeping JMH's own JSON in {@code rawResults}.
   *
   * @param keys the parameters that tell the combinations apart in the result
   * @return the timing per combination of the keys' values, joined by "/", in JMH's order
   */
  public Map<String, Timing> run(Class<?> benchmark, List<String> keys, Path rawResults) throws RunnerException {
    Options options = new OptionsBuilder()
        .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
        .forks(1)
        .warmupIterations(warmupIterations)
        .warmupTime(TimeValue.seconds(seconds))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.seconds(seconds))
        .jvmArgsAppend("-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch",
            "-Dai.djl.pytorch.num_threads=" + threads, "-Dai.djl.pytorch.num_interop_threads=1")
        .shouldFailOnError(true)
        .resultFormat(ResultFormatType.JSON)
        .result(rawResults.toString())
        .build();
    Collection<RunResult> results = new Runner(options).run();
    Map<String, Timing> timings = new LinkedHashMap<>();
    for (RunResult result : results) {
      var statistics = result.getPrimaryResult().getStatistics();
      timings.put(keys.stream().map(key -> result.getParams().getParam(key)).collect(Collectors.joining("/")),
          new Timing(statistics.getPercentile(50), statistics.getMean(), statistics.getN()));
    }
    return timings;
  }
}
