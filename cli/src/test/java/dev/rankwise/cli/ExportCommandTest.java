package dev.rankwise.cli;

import static dev.rankwise.cli.CliRun.run;
import static dev.rankwise.cli.CliRun.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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

  private static JsonObject header(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int length = Math.toIntExact(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
    return JsonParser.parseString(new String(bytes, 8, length, StandardCharsets.UTF_8)).getAsJsonObject();
  }
}
