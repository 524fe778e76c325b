package dev.rankwise.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.benchmarks.infer.JmhRuns.Timing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFilesTest {

  private static JsonObject json(String text) {
    return JsonParser.parseString(text).getAsJsonObject();
  }

  private static List<Figure> figures(JsonObject reference) {
    Map<String, Timing> jmh = Map.of("base", new Timing(100, 101, 50), "unmerged", new Timing(106, 106, 50),
        "merged", new Timing(99, 99, 50));
    JsonObject alternated = json("{\"variants\":{\"base\":{\"median_ms\":100},\"unmerged\":{\"median_ms\":104},"
        + "\"merged\":{\"median_ms\":102}}}");
    JsonObject mixed = json("{\"variants\":{\"single\":{\"median_ms\":100},\"mixed\":{\"median_ms\":115}}}");
    JsonObject step = json("{\"step_ms\":[300,250,280,260],\"losses\":[0.7,0.6,0.5],\"peak_rss_bytes\":1048576000,"
        + "\"trainable_parameters\":1000,\"adapter_file_bytes\":4100,\"heap_committed_bytes\":0}");
    return new Figures()
        .trainingStep("Training", "LoRA", step, reference, 0.8)
        .inference("Inference", jmh, alternated, null, 1.05)
        .mixedTasks("Mixed", "per-task LoRA", mixed)
        .memory("Memory", step, reference)
        .encoding("Encoding", "per text", json("{\"texts\":960,\"mean_tokens\":80,\"in_order\":{\"median_ms\":20},"
            + "\"by_length\":{\"median_ms\":16}}"))
        .rows();
  }

  @Test
  void rowsCarryRatiosAndTargets() {
    JsonObject reference = json("{\"step_ms\":[280,300,290],\"peak_rss_bytes\":524288000}");
    List<Figure> rows = figures(reference);
    Figure step = rows.get(0);
    assertEquals(270, step.ours(), 1e-9, "the median of an even count is the mean of the middle two");
    assertEquals(290, step.reference(), 1e-9);
    assertEquals(270 / 290.0, step.ratio().getAsDouble(), 1e-12);
    assertEquals(Boolean.FALSE, step.met().orElseThrow(), "0.93 is above the 0.8 target");
    Figure unmergedRatio = rows.get(4);
    assertEquals("unmerged ÷ base (alternated)", unmergedRatio.name());
    assertEquals(1.04, unmergedRatio.ours(), 1e-12, "ratios come from the alternated run, not JMH's");
    assertEquals(106, rows.get(2).ours(), 1e-12, "latencies come from JMH");
    assertEquals(Boolean.TRUE, unmergedRatio.met().orElseThrow(), "1.04 is within 1.05");
    assertTrue(Double.isNaN(unmergedRatio.reference()), "no reference ran");
    Figure mergedRatio = rows.get(5);
    assertEquals(Boolean.FALSE, mergedRatio.met().orElseThrow(), "1.02 is above 1.01");
    Figure mixed = rows.get(6);
    assertEquals(Boolean.FALSE, mixed.met().orElseThrow(), "1.15 is above 1.1");
    Figure adapters = rows.get(9);
    assertEquals(4100 / 4000.0, adapters.ratio().getAsDouble(), 1e-12);
    assertTrue(adapters.met().isEmpty(), "no target on the file size");
    Figure peak = rows.get(7);
    assertEquals(Boolean.FALSE, peak.met().orElseThrow(), "1000 MiB is above PyTorch's 500");
    Figure encoding = rows.get(10);
    assertEquals(0.8, encoding.ratio().getAsDouble(), 1e-12, "by length ÷ in order");
  }

  @Test
  void writesTheTableTheJsonAndTheChart(@TempDir Path directory) throws Exception {
    RunInfo run = new RunInfo("2026-11-29T00:00:00Z", "test machine", "rankwise", "PyTorch", "mvn ...", 90,
        List.of("losses agree"), List.of("LoRA: 0.90, 0.95, 0.93"), List.of("aten::addmm: 50 %"));
    ResultsFiles.write(directory, run, figures(null));
    String markdown = Files.readString(directory.resolve(ResultsFiles.MARKDOWN));
    assertTrue(markdown.contains("| LoRA | 270.0 ms | — | PyTorch eager | — | ≤ 0.80 |  |"), markdown);
    assertTrue(markdown.contains("| merged ÷ base (alternated) | 1.020 | — |"), markdown);
    assertTrue(markdown.contains("| **no** |"), "an unmet target is marked");
    assertTrue(markdown.contains("- losses agree") && markdown.contains("- aten::addmm: 50 %"), markdown);
    assertTrue(markdown.contains("## Training step ratio, run by run\n\n- LoRA: 0.90, 0.95, 0.93"), markdown);
    JsonObject json = json(Files.readString(directory.resolve(ResultsFiles.JSON)));
    assertEquals("test machine", json.get("machine").getAsString());
    assertEquals(11, json.getAsJsonArray("figures").size());
    assertFalse(json.getAsJsonArray("figures").get(0).getAsJsonObject().has("reference"),
        "a missing reference is left out, not written as NaN");
    byte[] png = Files.readAllBytes(directory.resolve(ResultsFiles.CHART));
    assertEquals((byte) 0x89, png[0]);
    assertEquals('P', png[1]);
  }

  @Test
  void anUnknownUnitIsRefused() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> ResultsFiles.format(1, "furlongs"));
    assertTrue(error.getMessage().contains("furlongs"));
  }
}
