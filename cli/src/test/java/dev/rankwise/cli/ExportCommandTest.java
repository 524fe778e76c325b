package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static dev.rankwise.cli.CliRun.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.encoders.bert.BertEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rankwise export --peft} writes a trained folder as PEFT LoRA adapters: one per task in
 * PeftModel.save_pretrained's layout (PEFT v0.20.0), the base named, the head under modules_to_save.
 * That the numbers are exact is PeftExportTest's (runtime) to show.
 */
class ExportCommandTest {

  @Test
  void aTrainedFolderExportsOneAdapterPerTask(@TempDir Path work) throws IOException {
    Path data = OwnTasksTest.moodData(work.resolve("mood"));
    Path out = work.resolve("out");
    CliRun train = run("train", "--method", "per-task-lora", "--data", data.toString(), "--out", out.toString(),
        "--train-rows", "12", "--test-rows", "6", "--epochs", "1", "--max-length", "8", "--seed", "1");
    assertEquals(0, train.code(), train.err());
    Path adapters = out.resolve("adapters/per-task-lora");
    Path peft = work.resolve("peft");

    CliRun export = run(with(new String[] {"export", "--peft", peft.toString()}, "--adapters", adapters.toString(),
        "--out", out.toString()));
    assertEquals(0, export.code(), export.err());
    Path mood = peft.resolve("mood");
    assertTrue(export.out().contains(mood.toString()), export.out());
    assertFalse(Files.exists(peft.resolve("adapter_config.json")), "no 'default' adapter: each task in its folder");

    JsonObject config = JsonParser.parseString(Files.readString(mood.resolve("adapter_config.json"))).getAsJsonObject();
    assertEquals("LORA", config.get("peft_type").getAsString());
    assertEquals("sentence-transformers/all-MiniLM-L6-v2", config.get("base_model_name_or_path").getAsString());
    assertEquals("classifier", config.getAsJsonArray("modules_to_save").get(0).getAsString());
    assertEquals(config.get("r").getAsInt(), config.get("lora_alpha").getAsInt(), "scale folded into B: scaling 1");
    assertFalse(config.has("rankwise"));

    JsonObject header = header(mood.resolve("adapter_model.safetensors"));
    long loraA = header.keySet().stream().filter(key -> key.endsWith(".lora_A.weight")).count();
    assertEquals(config.getAsJsonArray("target_modules").size(), loraA, header.keySet().toString());
    assertTrue(header.keySet().stream().allMatch(key -> key.equals("__metadata__") || key.startsWith("base_model.model.")));
    assertEquals(Arrays.asList(3L, 384L), header.getAsJsonObject("base_model.model.classifier.weight")
        .getAsJsonArray("shape").asList().stream().map(e -> e.getAsLong()).toList(), "the head: 3 labels from 384");
    assertTrue(header.getAsJsonObject("__metadata__").get("rankwise.labels").getAsString().contains("alarm"));
  }

  @Test
  void oneTaskMergedIsAModelFolderThatDeclaresTheBasePooling(@TempDir Path work) throws Exception {
    Path out = work.resolve("out");
    String adapters = trainMood(work, out, "per-task-lora", "3", "1").toString();
    Path merged = work.resolve("merged");

    CliRun noTask = run("export", "--merged", merged.toString(), "--adapters", adapters, "--out", out.toString());
    assertEquals(2, noTask.code(), noTask.err());
    assertTrue(noTask.err().contains("--task") && noTask.err().contains("mood"), noTask.err());
    CliRun otherTask = run("export", "--merged", merged.toString(), "--task", "weather", "--adapters", adapters,
        "--out", out.toString());
    assertEquals(2, otherTask.code(), otherTask.err());
    assertTrue(otherTask.err().contains("weather") && otherTask.err().contains("its tasks are mood"), otherTask.err());
    CliRun both = run("export", "--merged", merged.toString(), "--peft", work.resolve("peft").toString(),
        "--task", "mood", "--adapters", adapters, "--out", out.toString());
    assertEquals(2, both.code(), both.err());
    assertFalse(Files.exists(merged));

    CliRun export = run("export", "--merged", merged.toString(), "--task", "mood", "--adapters", adapters,
        "--out", out.toString());
    assertEquals(0, export.code(), export.err());
    assertTrue(export.out().contains(merged.toString()), export.out());
    List<String> texts = List.of("all calm today", "alarm, fire today");
    try (BertEncoder base = BertEncoder.allMiniLmL6V2(16);
        BertEncoder exported = BertEncoder.open(merged.toString(), null, 16);
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      assertEquals(base.pooling(), exported.pooling(), "the base's pooling, read from the folder's own files");
      assertEquals(base.config(), exported.config());
      // Reads as a model whose features moved away from the base's: the task's trained adapters are in
      // its weights. (That they equal the adapted model's is MergedExportTest's to show, in encoders.)
      float[] mergedFeatures = features(exported, manager, texts);
      float[] baseFeatures = features(base, manager, texts);
      double moved = 0;
      for (int i = 0; i < mergedFeatures.length; i++) {
        assertTrue(Float.isFinite(mergedFeatures[i]));
        moved = Math.max(moved, Math.abs(mergedFeatures[i] - baseFeatures[i]));
      }
      assertTrue(moved > 1e-4, "the merged model's features equal the base's: max |diff| " + moved);
    }
  }

  /**
   * rankwise → PEFT → rankwise: a task's PEFT export, brought back by {@code import}, merges into the
   * same model as {@code export --merged}; the base comes from the adapter's base_model_name_or_path.
   */
  @Test
  void aPeftExportImportsBackToTheSameMergedModel(@TempDir Path work) throws Exception {
    Path out = work.resolve("out");
    String adapters = trainMood(work, out, "rank-experts", "2", "2").toString();
    Path direct = work.resolve("direct");
    Path peft = work.resolve("peft");
    Path imported = work.resolve("imported");
    assertEquals(0, run("export", "--merged", direct.toString(), "--task", "mood", "--adapters", adapters,
        "--out", out.toString()).code());
    assertEquals(0, run("export", "--peft", peft.toString(), "--adapters", adapters, "--out", out.toString()).code());

    CliRun back = run("import", "--peft", peft.resolve("mood").toString(), "--merged", imported.toString(),
        "--out", out.toString());
    assertEquals(0, back.code(), back.err());
    assertTrue(back.out().contains("merged into sentence-transformers/all-MiniLM-L6-v2"), back.out());
    List<String> texts = List.of("all calm today", "alarm, fire today", "a storm is coming");
    try (BertEncoder one = BertEncoder.open(direct.toString(), null, 16);
        BertEncoder other = BertEncoder.open(imported.toString(), null, 16);
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      float[] expected = features(one, manager, texts);
      float[] actual = features(other, manager, texts);
      double diff = 0;
      for (int i = 0; i < expected.length; i++) {
        diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
      }
      System.out.printf("ExportCommandTest: rankwise -> PEFT -> rankwise, max |diff| of the features %.3g%n", diff);
      assertTrue(diff <= 1e-5, "max |diff| " + diff);
    }

    Files.writeString(peft.resolve("mood/adapter_config.json"), Files.readString(peft.resolve(
        "mood/adapter_config.json")).replace("\"sentence-transformers/all-MiniLM-L6-v2\"", "null"));
    CliRun noBase = run("import", "--peft", peft.resolve("mood").toString(), "--merged",
        work.resolve("again").toString(), "--out", out.toString());
    assertEquals(2, noBase.code(), noBase.err());
    assertTrue(noBase.err().contains("--base"), noBase.err());
    Files.move(peft.resolve("mood/adapter_model.safetensors"), peft.resolve("mood/adapter_model.bin"));
    CliRun pickle = run("import", "--peft", peft.resolve("mood").toString(), "--merged",
        work.resolve("again").toString(), "--base", "all-MiniLM-L6-v2", "--out", out.toString());
    assertEquals(2, pickle.code(), pickle.err());
    assertTrue(pickle.err().contains("pickle"), pickle.err());
    assertFalse(Files.exists(work.resolve("again")), "nothing written for a refused adapter");
  }

  /** Trains {@code method} on the mood task (24 rows, 8 tokens) into {@code out}; its adapter folder. */
  private static Path trainMood(Path work, Path out, String method, String epochs, String seed) throws IOException {
    Path data = OwnTasksTest.moodData(work.resolve("mood"));
    CliRun train = run("train", "--method", method, "--data", data.toString(), "--out", out.toString(),
        "--train-rows", "24", "--test-rows", "6", "--epochs", epochs, "--max-length", "8", "--seed", seed);
    assertEquals(0, train.code(), train.err());
    return out.resolve("adapters").resolve(method);
  }

  private static float[] features(BertEncoder encoder, NDManager manager, List<String> texts) throws IOException {
    try (NDManager scope = manager.newSubManager()) {
      return encoder.newBlock(scope).forward(new ParameterStore(scope, false),
          new NDList(encoder.inputs().pack(scope, texts)), false).singletonOrThrow().toFloatArray();
    }
  }

  private static JsonObject header(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int length = Math.toIntExact(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
    return JsonParser.parseString(new String(bytes, 8, length, StandardCharsets.UTF_8)).getAsJsonObject();
  }
}
