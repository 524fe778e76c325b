package dev.rankwise.encoders.bert;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.rankwise.runtime.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How an encoder turns token states into one sentence vector, as its model was trained to
 * (sentence-transformers' {@code Pooling} and {@code Normalize} modules), and the text its inputs
 * start with (e5's {@code "query: "}). A model's features are only as good as the pooling matches
 * its training: bge-small-en-v1.5 was trained on its [CLS] state, e5 and MiniLM on the mean.
 *
 * @param mode which token states make the vector
 * @param normalize whether the vector is divided by its L2 norm
 * @param prefix prepended to every text before tokenizing; empty for none
 */
public record Pooling(Mode mode, boolean normalize, String prefix) {

  /** sentence-transformers' file of prompts, where a prefix is the default prompt. */
  static final String PROMPTS_FILE = "config_sentence_transformers.json";

  /** The name the written prefix has among the prompts: it goes before every text. */
  private static final String PROMPT_NAME = "text";

  /** Which token states make the sentence vector. */
  public enum Mode {
    /** The mean of the attended tokens' states. */
    MEAN,
    /** The state of the first token ([CLS] or {@code <s>}), without BERT's pooler layer. */
    CLS
  }

  /** Validates the values. */
  public Pooling {
    if (mode == null) {
      throw new IllegalArgumentException("mode must be given");
    }
    if (prefix == null) {
      throw new IllegalArgumentException("prefix must not be null; use \"\" for none");
    }
  }

  /** The mean of the attended tokens' states, not normalised, no prefix. */
  public static Pooling mean() {
    return new Pooling(Mode.MEAN, false, "");
  }

  /** The first token's state, not normalised, no prefix. */
  public static Pooling cls() {
    return new Pooling(Mode.CLS, false, "");
  }

  /** This pooling, its vectors divided by their L2 norm. */
  public Pooling normalized() {
    return new Pooling(mode, true, prefix);
  }

  /** This pooling with every text prefixed by {@code prefix} before tokenizing. */
  public Pooling withPrefix(String prefix) {
    return new Pooling(mode, normalize, prefix);
  }

  /**
   * The pooling a sentence-transformers model folder declares: its {@code modules.json} lists a
   * {@code Pooling} module (whose {@code config.json} sets {@code pooling_mode_mean_tokens} or
   * {@code pooling_mode_cls_token}) and, if its vectors are normalised, a {@code Normalize} module.
   * Empty if the folder has no {@code modules.json} (a plain Hugging Face model folder).
   *
   * @throws IOException if the files are malformed or declare a pooling rankwise does not compute
   *     (max, weighted mean, last token), naming the file
   */
  public static Optional<Pooling> readSentenceTransformers(Path folder) throws IOException {
    Path modules = folder.resolve("modules.json");
    if (!Files.isRegularFile(modules)) {
      return Optional.empty();
    }
    Path poolingFolder = null;
    boolean normalize = false;
    for (JsonElement module : json(modules, JsonArray.class)) {
      String type = module.isJsonObject() && module.getAsJsonObject().has("type")
          ? module.getAsJsonObject().get("type").getAsString() : "";
      if (type.endsWith(".Pooling")) {
        poolingFolder = folder.resolve(module.getAsJsonObject().get("path").getAsString());
      } else if (type.endsWith(".Normalize")) {
        normalize = true;
      }
    }
    if (poolingFolder == null) {
      throw new IOException(modules + " lists no sentence_transformers.models.Pooling module; give the pooling"
          + " the model was trained with instead");
    }
    Path config = poolingFolder.resolve("config.json");
    JsonObject modes = json(config, JsonObject.class);
    List<String> on = new ArrayList<>();
    for (Map.Entry<String, JsonElement> entry : modes.entrySet()) {
      if (entry.getKey().startsWith("pooling_mode_") && entry.getValue().isJsonPrimitive()
          && entry.getValue().getAsJsonPrimitive().isBoolean() && entry.getValue().getAsBoolean()) {
        on.add(entry.getKey());
      }
    }
    Pooling pooling;
    if (on.equals(List.of("pooling_mode_mean_tokens"))) {
      pooling = mean();
    } else if (on.equals(List.of("pooling_mode_cls_token"))) {
      pooling = cls();
    } else {
      throw new IOException(config + " sets " + (on.isEmpty() ? "no pooling mode" : String.join(" and ", on))
          + "; rankwise pools by exactly one of pooling_mode_mean_tokens and pooling_mode_cls_token");
    }
    pooling = normalize ? pooling.normalized() : pooling;
    return Optional.of(pooling.withPrefix(defaultPrompt(folder)));
  }

  /**
   * The prompt sentence-transformers' {@code encode} puts before every text of the folder's model:
   * {@code config_sentence_transformers.json}'s {@code prompts} entry named by {@code
   * default_prompt_name}; empty without that file or that name.
   */
  private static String defaultPrompt(Path folder) throws IOException {
    Path file = folder.resolve(PROMPTS_FILE);
    if (!Files.isRegularFile(file)) {
      return "";
    }
    JsonObject config = json(file, JsonObject.class);
    JsonElement name = config.get("default_prompt_name");
    if (name == null || name.isJsonNull()) {
      return "";
    }
    JsonElement prompts = config.get("prompts");
    JsonElement prompt = prompts != null && prompts.isJsonObject() && name.isJsonPrimitive()
        ? prompts.getAsJsonObject().get(name.getAsString()) : null;
    if (prompt == null || !prompt.isJsonPrimitive() || !prompt.getAsJsonPrimitive().isString()) {
      throw new IOException(file + " names the default prompt " + name + ", which its \"prompts\" do not hold"
          + " as a string");
    }
    return prompt.getAsString();
  }

  /**
   * Writes the sentence-transformers files that declare this pooling in a model folder, what {@link
   * #readSentenceTransformers} reads back: {@code modules.json} (the Transformer at the folder itself,
   * Pooling at {@code 1_Pooling}, and Normalize at {@code 2_Normalize} if this pooling normalises) and
   * {@code 1_Pooling/config.json} (the one pooling mode set, the others false) and, for a prefix,
   * {@code config_sentence_transformers.json} with the prefix as the default prompt, which
   * sentence-transformers' {@code encode} puts before every text (a stale one is removed). Each file
   * is written atomically.
   *
   * @param hidden the width of the token states ({@code word_embedding_dimension})
   */
  public void writeSentenceTransformers(Path folder, int hidden) throws IOException {
    if (hidden <= 0) {
      throw new IllegalArgumentException("hidden must be positive, got " + hidden);
    }
    JsonArray modules = new JsonArray();
    modules.add(module(0, "", "Transformer"));
    modules.add(module(1, "1_Pooling", "Pooling"));
    if (normalize) {
      modules.add(module(2, "2_Normalize", "Normalize"));
    }
    JsonObject config = new JsonObject();
    config.addProperty("word_embedding_dimension", hidden);
    config.addProperty("pooling_mode_cls_token", mode == Mode.CLS);
    config.addProperty("pooling_mode_mean_tokens", mode == Mode.MEAN);
    config.addProperty("pooling_mode_max_tokens", false);
    config.addProperty("pooling_mode_mean_sqrt_len_tokens", false);
    config.addProperty("pooling_mode_weightedmean_tokens", false);
    config.addProperty("pooling_mode_lasttoken", false);
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    AtomicFiles.createDirectories(folder.resolve("1_Pooling"));
    AtomicFiles.write(folder.resolve("1_Pooling").resolve("config.json"), gson.toJson(config) + "\n");
    AtomicFiles.write(folder.resolve("modules.json"), gson.toJson(modules) + "\n");
    if (prefix.isEmpty()) {
      Files.deleteIfExists(folder.resolve(PROMPTS_FILE));
    } else {
      JsonObject prompts = new JsonObject();
      prompts.addProperty(PROMPT_NAME, prefix);
      JsonObject promptConfig = new JsonObject();
      promptConfig.add("prompts", prompts);
      promptConfig.addProperty("default_prompt_name", PROMPT_NAME);
      AtomicFiles.write(folder.resolve(PROMPTS_FILE), gson.toJson(promptConfig) + "\n");
    }
  }

  private static JsonObject module(int index, String path, String type) {
    JsonObject module = new JsonObject();
    module.addProperty("idx", index);
    module.addProperty("name", Integer.toString(index));
    module.addProperty("path", path);
    module.addProperty("type", "sentence_transformers.models." + type);
    return module;
  }

  private static <T extends JsonElement> T json(Path file, Class<T> type) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " does not exist");
    }
    JsonElement element;
    try {
      element = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonParseException e) {
      throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
    }
    if (!type.isInstance(element)) {
      throw new IOException(file + " must hold a JSON " + (type == JsonArray.class ? "array" : "object"));
    }
    return type.cast(element);
  }

  /**
   * The pooling recorded with adapters ({@code BertEncoder.settings()}: {@code pooling}, {@code
   * normalize}, {@code prefix}).
   *
   * @throws IllegalArgumentException if a setting is missing or not one this class writes
   */
  public static Pooling fromSettings(Map<String, Object> settings) {
    Object mode = settings.get("pooling");
    Object normalize = settings.get("normalize");
    Object prefix = settings.get("prefix");
    if (!(mode instanceof String name) || !(normalize instanceof Boolean norm) || !(prefix instanceof String text)) {
      throw new IllegalArgumentException("the encoder settings " + settings + " do not record a pooling:"
          + " pooling (mean or cls), normalize (a boolean) and prefix (a string) are needed");
    }
    Mode parsed;
    try {
      parsed = Mode.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pooling '" + name + "' is not mean or cls", e);
    }
    return new Pooling(parsed, norm, text);
  }

  /** What {@link #fromSettings} reads: the mode in lower case, normalize, prefix. */
  Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("pooling", mode.name().toLowerCase(Locale.ROOT));
    settings.put("normalize", normalize);
    settings.put("prefix", prefix);
    return settings;
  }
}
