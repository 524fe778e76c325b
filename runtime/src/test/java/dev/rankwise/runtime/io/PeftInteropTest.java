package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import plain.TwoTower;

/**
 * Plain LoRA files interoperate with Hugging Face PEFT: a file written by an independent writer
 * (runtime/src/test/python/peft_fixture.py, standard library only, PEFT's layout) loads and
 * computes what the writer computed, and a file rankwise writes passes a PEFT-style reader.
 */
class PeftInteropTest extends ManagedArrays {

  private static final Path FIXTURE = Paths.get("src/test/resources/peft/plain-lora");
  private static final Path READER = Paths.get("src/test/python/read_adapter.py");
  private static final LoraConfig PLAIN =
      LoraConfig.builder().setRanks(2, 2).optAlpha(4).optMixer(Mixer.IDENTITY).build();

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(5);
  }

  @Test
  void aFileInPeftLayoutLoadsAndComputesWhatItsWriterComputed() throws IOException {
    JsonObject expected =
        JsonParser.parseString(Files.readString(FIXTURE.resolve("expected.json"))).getAsJsonObject();
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    tower.query.getParameters().get("weight").getArray().set(floats(expected.get("weight")));
    tower.query.getParameters().get("bias").getArray().set(floats(expected.get("bias")));

    AdaptedModel adapted =
        AdapterSpec.builder("t").target(PLAIN, "query").build().attach(tower).load(FIXTURE);

    NDArray input = manager.create(floats(expected.get("input")), new Shape(3, 6));
    NDArray output = TestModels.predict(adapted.layers().get("query"), manager, input);
    NDArray wanted = manager.create(floats(expected.get("output")), new Shape(3, 8));
    assertTrue(wanted.allClose(output, 1e-5, 1e-5, false), output + " vs " + wanted);
  }

  @Test
  void aFileRankwiseWritesReadsAsPeftReadsIt(@TempDir Path directory) throws Exception {
    Assumptions.assumeTrue(
        python3Available(), "python3 is needed to run the independent reader " + READER);
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdaptedModel adapted =
        AdapterSpec.builder("t").target(PLAIN, "query", "head.*").build().attach(tower);
    for (var layer : adapted.layers().values()) {
      Parameter b = ((LoraLinear) layer).loraB();
      b.getArray().set(manager.randomNormal(b.getArray().getShape()).toFloatArray());
    }
    adapted.save(directory);

    Process reader =
        new ProcessBuilder("python3", READER.toString(), directory.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(reader.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, reader.exitValue(), output);

    JsonObject read = JsonParser.parseString(output).getAsJsonObject();
    assertEquals(2, read.get("r").getAsInt());
    assertEquals(4.0, read.get("lora_alpha").getAsDouble());
    JsonObject tensors = read.getAsJsonObject("tensors");
    assertEquals(6, tensors.size());
    for (Map.Entry<String, ?> layer : adapted.layers().entrySet()) {
      LoraLinear lora = (LoraLinear) layer.getValue();
      checkTensor(tensors, AdapterFiles.key(layer.getKey(), "lora_A"), lora.loraA());
      checkTensor(tensors, AdapterFiles.key(layer.getKey(), "lora_B"), lora.loraB());
    }
  }

  private static void checkTensor(JsonObject tensors, String key, Parameter parameter) {
    JsonObject tensor = tensors.getAsJsonObject(key);
    assertTrue(tensor != null, "the reader found no " + key + " in " + tensors.keySet());
    NDArray array = parameter.getArray();
    JsonArray shape = tensor.getAsJsonArray("shape");
    assertEquals(array.getShape().get(0), shape.get(0).getAsLong(), key);
    assertEquals(array.getShape().get(1), shape.get(1).getAsLong(), key);
    double sum = 0;
    for (float value : array.toFloatArray()) {
      sum += value;
    }
    assertEquals(sum, tensor.get("sum").getAsDouble(), 1e-4, key);
  }

  private static boolean python3Available() {
    try {
      Process probe = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      return probe.waitFor(20, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static float[] floats(JsonElement json) {
    java.util.List<Float> values = new java.util.ArrayList<>();
    flatten(json, values);
    float[] result = new float[values.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = values.get(i);
    }
    return result;
  }

  private static void flatten(JsonElement json, java.util.List<Float> values) {
    if (json.isJsonArray()) {
      json.getAsJsonArray().forEach(element -> flatten(element, values));
    } else {
      values.add(json.getAsFloat());
    }
  }
}
