package dev.rankwise.runtime.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The fields of a PEFT {@code adapter_config.json} that decide what a plain-LoRA adapter computes,
 * read as PEFT v0.20.0's {@code LoraConfig} reads them (src/peft/tuners/lora/config.py; missing
 * fields take its defaults, {@code r} 8 and {@code lora_alpha} 8): the one reader of those fields,
 * for rankwise's own PEFT-format files ({@link AdapterFiles}) and for PEFT's ({@code
 * model.PeftImport}).
 *
 * <p>Refused, naming the file and the key: another {@code peft_type} than {@code LORA}; {@code
 * use_dora}, {@code lora_bias}, {@code fan_in_fan_out} and a {@code bias} other than {@code none}
 * (updates plain LoRA does not compute); a field of the wrong JSON type; a pattern or a {@code
 * target_modules} string that is not a regular expression.
 */
public final class PeftLoraConfig {

  private final int rank;
  private final double alpha;
  private final boolean rsLora;
  private final Map<String, Integer> rankPattern;
  private final Map<String, Double> alphaPattern;
  private final JsonElement targetModules;
  private final String baseModel;

  private PeftLoraConfig(int rank, double alpha, boolean rsLora, Map<String, Integer> rankPattern,
      Map<String, Double> alphaPattern, JsonElement targetModules, String baseModel) {
    this.rank = rank;
    this.alpha = alpha;
    this.rsLora = rsLora;
    this.rankPattern = Collections.unmodifiableMap(rankPattern);
    this.alphaPattern = Collections.unmodifiableMap(alphaPattern);
    this.targetModules = targetModules;
    this.baseModel = baseModel;
  }

  /**
   * Reads and checks the config of {@code file}.
   *
   * @throws AdapterFileException naming the file and the key, if the config is malformed or asks for
   *     what plain LoRA does not compute
   */
  public static PeftLoraConfig parse(Path file, JsonObject config) throws AdapterFileException {
    try {
      String type = string(config, "peft_type");
      if (!"LORA".equals(type)) {
        throw new AdapterFileException(file, "peft_type is " + (type == null ? "missing" : "'" + type + "'")
            + "; rankwise reads PEFT's LORA adapters only");
      }
      if (flag(file, config, "use_dora")) {
        throw new AdapterFileException(file, "use_dora is true: DoRA adapters are not imported (rankwise"
            + " computes plain LoRA, which has no magnitude vector); merge the DoRA adapter in PEFT"
            + " (merge_and_unload) and bring the merged model instead");
      }
      if (flag(file, config, "lora_bias")) {
        throw new AdapterFileException(file, "lora_bias is true: a lora_B with a bias is not plain LoRA");
      }
      if (flag(file, config, "fan_in_fan_out")) {
        throw new AdapterFileException(file, "fan_in_fan_out is true: that is for Conv1D layers (GPT-2),"
            + " which BERT-family encoders do not have");
      }
      String bias = string(config, "bias");
      if (bias != null && !bias.equals("none")) {
        throw new AdapterFileException(file, "bias is '" + bias + "': the file then holds trained base"
            + " biases, which plain LoRA adapters do not carry; train with bias='none'");
      }
      int rank = present(config, "r") ? positiveInt(file, "r", config.get("r")) : 8;
      double alpha = present(config, "lora_alpha") ? alpha(file, "lora_alpha", config.get("lora_alpha")) : 8;
      boolean rsLora = flag(file, config, "use_rslora");
      Map<String, Integer> ranks = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> entry : pattern(file, config, "rank_pattern").entrySet()) {
        ranks.put(regex(file, "rank_pattern", entry.getKey()),
            positiveInt(file, "rank_pattern '" + entry.getKey() + "'", entry.getValue()));
      }
      Map<String, Double> alphas = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> entry : pattern(file, config, "alpha_pattern").entrySet()) {
        alphas.put(regex(file, "alpha_pattern", entry.getKey()),
            alpha(file, "alpha_pattern '" + entry.getKey() + "'", entry.getValue()));
      }
      JsonElement targets = present(config, "target_modules") ? config.get("target_modules") : null;
      if (targets != null) {
        checkTargets(file, targets);
      }
      return new PeftLoraConfig(rank, alpha, rsLora, ranks, alphas, targets,
          string(config, "base_model_name_or_path"));
    } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
      throw new AdapterFileException(file, "malformed PEFT config: " + e.getMessage());
    }
  }

  /** {@code r}: the rank of every module {@code rank_pattern} does not name. */
  public int rank() {
    return rank;
  }

  /** {@code lora_alpha}: the alpha of every module {@code alpha_pattern} does not name. */
  public double alpha() {
    return alpha;
  }

  /** {@code use_rslora}: scaling {@code alpha / sqrt(r)} instead of {@code alpha / r}. */
  public boolean rsLora() {
    return rsLora;
  }

  /**
   * The rank of a module as PEFT gave it: {@code rank_pattern}'s first matching key, else {@code r}.
   *
   * @param module the module's name as PEFT saw it (as in the file's keys, without {@code
   *     base_model.model.})
   */
  public int rank(String module) {
    return rankPattern.getOrDefault(patternKey(rankPattern.keySet(), module), rank);
  }

  /** The alpha of a module as PEFT gave it: {@code alpha_pattern}'s first matching key, else {@code lora_alpha}. */
  public double alpha(String module) {
    return alphaPattern.getOrDefault(patternKey(alphaPattern.keySet(), module), alpha);
  }

  /**
   * {@code target_modules} as the file gives it: a regular expression (checked to compile; {@code
   * "all-linear"} is PEFT's word for every linear layer), an array of module-name suffixes, or null.
   */
  public JsonElement targetModules() {
    return targetModules;
  }

  /** {@code base_model_name_or_path}: the Hub id or folder of the model the adapter was trained on. */
  public Optional<String> baseModel() {
    return Optional.ofNullable(baseModel).filter(name -> !name.isBlank());
  }

  /**
   * PEFT's {@code get_pattern_key}: the first key {@code k} with {@code re.match(rf"(.*\.)?({k})$",
   * module)}, or the module itself (which then is no key).
   */
  public static String patternKey(Iterable<String> keys, String module) {
    for (String key : keys) {
      if (Pattern.compile("(.*\\.)?(" + key + ")$").matcher(module).lookingAt()) {
        return key;
      }
    }
    return module;
  }

  private static void checkTargets(Path file, JsonElement targets) throws AdapterFileException {
    if (targets.isJsonPrimitive() && targets.getAsJsonPrimitive().isString()) {
      regex(file, "target_modules", targets.getAsString());
      return;
    }
    if (!targets.isJsonArray()) {
      throw new AdapterFileException(file, "malformed PEFT config: target_modules is " + targets
          + ", not a string or an array of module names");
    }
    for (JsonElement target : targets.getAsJsonArray()) {
      if (!target.isJsonPrimitive() || !target.getAsJsonPrimitive().isString()) {
        throw new AdapterFileException(file, "malformed PEFT config: target_modules holds " + target
            + ", not a module name");
      }
    }
  }

  private static boolean present(JsonObject config, String key) {
    return config.has(key) && !config.get(key).isJsonNull();
  }

  private static String string(JsonObject config, String key) {
    JsonElement value = config.get(key);
    return value == null || value.isJsonNull() ? null : value.getAsString();
  }

  private static boolean flag(Path file, JsonObject config, String key) throws AdapterFileException {
    JsonElement value = config.get(key);
    if (value == null || value.isJsonNull()) {
      return false;
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
      throw new AdapterFileException(file, "malformed PEFT config: '" + key + "' is " + value + ", not a boolean");
    }
    return value.getAsBoolean();
  }

  private static int positiveInt(Path file, String what, JsonElement value) throws AdapterFileException {
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()
        || !value.getAsString().matches("[0-9]{1,9}") || value.getAsInt() < 1) {
      throw new AdapterFileException(file, "malformed PEFT config: " + what + " is " + value + ", not a rank");
    }
    return value.getAsInt();
  }

  private static double alpha(Path file, String what, JsonElement value) throws AdapterFileException {
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()
        || !Double.isFinite(value.getAsDouble()) || value.getAsDouble() < 0) {
      throw new AdapterFileException(file, "malformed PEFT config: " + what + " is " + value
          + ", not a non-negative number");
    }
    return value.getAsDouble();
  }

  private static JsonObject pattern(Path file, JsonObject config, String key) throws AdapterFileException {
    JsonElement value = config.get(key);
    if (value == null || value.isJsonNull()) {
      return new JsonObject();
    }
    if (!value.isJsonObject()) {
      throw new AdapterFileException(file, "malformed PEFT config: '" + key + "' is " + value + ", not an object");
    }
    return value.getAsJsonObject();
  }

  /** A regular expression of the config, checked to compile (Java's syntax covers the patterns PEFT users write). */
  private static String regex(Path file, String key, String regex) throws AdapterFileException {
    try {
      Pattern.compile(regex);
      return regex;
    } catch (PatternSyntaxException e) {
      throw new AdapterFileException(file, "'" + key + "' holds '" + regex + "', not a regular expression ("
          + e.getDescription() + ")");
    }
  }
}
