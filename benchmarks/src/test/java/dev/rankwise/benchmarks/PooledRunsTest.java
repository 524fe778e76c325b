package dev.rankwise.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the suite pools the runs of one training setup, and reports their ratios run by run. */
class PooledRunsTest {

  private static JsonObject run(long peak, long heap, double... steps) {
    JsonObject run = new JsonObject();
    JsonArray times = new JsonArray();
    for (double step : steps) {
      times.add(step);
    }
    run.add("step_ms", times);
    run.addProperty("peak_rss_bytes", peak);
    run.addProperty("heap_committed_bytes", heap);
    return run;
  }

  @Test
  void memoryComesFromTheLastRunWhichOnlyTrains() {
    // The first run also writes the reference's export and the adapters: its peak is not training's.
    JsonObject pooled = BenchmarkSuite.pooled(List.of(run(900, 40, 1, 2), run(800, 30, 3)));
    assertEquals(800, pooled.get("peak_rss_bytes").getAsLong());
    assertEquals(30, pooled.get("heap_committed_bytes").getAsLong());
    assertEquals(3, pooled.getAsJsonArray("step_ms").size(), "every run's steps");
    assertEquals(2, pooled.get("runs").getAsInt());
  }

  @Test
  void eachRunsRatioIsReportedWithTheirMedianAndRange() {
    String line = BenchmarkSuite.spread("LoRA r=8", List.of(run(0, 0, 90, 110), run(0, 0, 80), run(0, 0, 120)),
        List.of(run(0, 0, 100), run(0, 0, 100), run(0, 0, 100)));
    assertEquals("LoRA r=8: 1.000, 0.800, 1.200 over 3 runs (median 1.000, range 0.800–1.200)", line);
  }
}
