package dev.rankwise.encoders.bert;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Hand-built PEFT adapter folders, laid out as PEFT v0.20.0 writes them: {@code adapter_config.json}
 * with {@code LoraConfig}'s keys ({@code peft_type}, {@code r}, {@code lora_alpha}, {@code
 * target_modules}, {@code rank_pattern}, {@code alpha_pattern}, {@code use_rslora}, {@code use_dora},
 * {@code bias}, …), and {@code adapter_model.safetensors} keyed as {@code get_peft_model_state_dict}
 * returns them and {@code set_peft_model_state_dict} reads them: {@code base_model.model.<module>.
 * lora_A.weight} (r × in), {@code lora_B.weight} (out × r), the adapter name taken out.
 */
final class PeftFolders {

  private PeftFolders() {}

  /** A folder's contents, built up, then written. */
  static final class Adapter {
    final JsonObject config = new JsonObject();
    final SafetensorsFile file = new SafetensorsFile();
    /** By module (as in the keys): {A, B} as float32, after any rounding to the file's dtype. */
    final Map<String, float[][]> factors = new LinkedHashMap<>();
    private final Random random = new Random(11);

    Adapter(int r, double alpha, String... targetModules) {
      config.addProperty("peft_type", "LORA");
      config.addProperty("task_type", "SEQ_CLS");
      config.addProperty("r", r);
      config.addProperty("lora_alpha", alpha);
      config.addProperty("lora_dropout", 0.1);
      config.addProperty("use_rslora", false);
      config.addProperty("use_dora", false);
      config.addProperty("fan_in_fan_out", false);
      config.addProperty("bias", "none");
      com.google.gson.JsonArray targets = new com.google.gson.JsonArray();
      for (String target : targetModules) {
        targets.add(target);
      }
      config.add("target_modules", targets);
      config.add("rank_pattern", new JsonObject());
      config.add("alpha_pattern", new JsonObject());
      config.addProperty("inference_mode", true);
    }

    /**
     * Adds random non-zero factors of rank {@code r} for a module of {@code in} to {@code out}
     * features, in the dtype given ("F32", "F16", "BF16"; values rounded to it first).
     */
    Adapter lora(String module, int r, int in, int out, String dtype) {
      float[] a = values(r * in, 0.5, dtype);
      float[] b = values(out * r, 0.5, dtype);
      put("base_model.model." + module + ".lora_A.weight", new long[] {r, in}, a, dtype);
      put("base_model.model." + module + ".lora_B.weight", new long[] {out, r}, b, dtype);
      factors.put(module, new float[][] {a, b});
      return this;
    }

    private float[] values(int n, double scale, String dtype) {
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        float value = (float) (scale * random.nextGaussian());
        values[i] = switch (dtype) {
          case "F16" -> SafetensorsWeights.halfToFloat(SafetensorsFile.toHalf(value));
          case "BF16" -> SafetensorsFile.roundToBfloat16(value);
          default -> value;
        };
      }
      return values;
    }

    private void put(String key, long[] shape, float[] values, String dtype) {
      switch (dtype) {
        case "F16" -> file.f16(key, shape, values);
        case "BF16" -> file.bf16(key, shape, values);
        default -> file.f32(key, shape, values);
      }
    }

    Path write(Path folder) throws IOException {
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("adapter_config.json"), config.toString(), StandardCharsets.UTF_8);
      file.write(folder.resolve("adapter_model.safetensors"));
      return folder;
    }
  }
}
