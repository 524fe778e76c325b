package dev.rankwise.encoders.bert;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The shape of a BERT-family encoder, as a Hugging Face {@code config.json} gives it: BERT,
 * RoBERTa and DistilBERT share one computation (post-LayerNorm transformer layers over word,
 * position and token-type embeddings) and differ in the values below, in where positions start
 * ({@link #positionOffset}) and in their parameter names ({@link Layout}).
 *
 * @param layout which of the three parameter layouts the checkpoint uses
 * @param layers encoder layers ({@code num_hidden_layers}, DistilBERT {@code n_layers})
 * @param hidden hidden width ({@code hidden_size}, {@code dim})
 * @param heads attention heads ({@code num_attention_heads}, {@code n_heads}); divides {@code hidden}
 * @param intermediate width of the feed-forward block ({@code intermediate_size}, {@code hidden_dim})
 * @param activation the feed-forward activation ({@code hidden_act}, {@code activation})
 * @param layerNormEps LayerNorm's epsilon ({@code layer_norm_eps}; DistilBERT always 1e-12)
 * @param maxPositions rows of the position table ({@code max_position_embeddings})
 * @param typeVocab rows of the token-type table ({@code type_vocab_size}; 0 for DistilBERT, which has none)
 * @param vocab rows of the word table ({@code vocab_size})
 * @param padTokenId the padding token ({@code pad_token_id}); RoBERTa numbers positions after it
 */
public record BertConfig(
    Layout layout,
    int layers,
    int hidden,
    int heads,
    int intermediate,
    HiddenAct activation,
    float layerNormEps,
    int maxPositions,
    int typeVocab,
    int vocab,
    int padTokenId) {

  /** The parameter layout of a checkpoint, named after Hugging Face's {@code model_type}. */
  public enum Layout {
    /** {@code BertModel}: {@code encoder.layer.N.attention.self.query}, …; positions 0, 1, …. */
    BERT("bert."),
    /**
     * {@code RobertaModel} (also XLM-RoBERTa, CamemBERT): BERT's names; positions numbered after the
     * padding token, from the attention mask ({@code cumsum(mask) · mask + pad_token_id}).
     */
    ROBERTA("roberta."),
    /**
     * {@code DistilBertModel}: {@code transformer.layer.N.attention.q_lin}, {@code sa_layer_norm},
     * {@code ffn.lin1}, …; no token types.
     */
    DISTILBERT("distilbert.");

    private final String checkpointPrefix;

    Layout(String checkpointPrefix) {
      this.checkpointPrefix = checkpointPrefix;
    }

    /** The path of encoder layer {@code layer}: {@code encoder.layer.N}, DistilBERT's {@code transformer.layer.N}. */
    public String layerPath(int layer) {
      return (this == DISTILBERT ? "transformer" : "encoder") + ".layer." + layer;
    }

    /** The path of layer {@code layer}'s attention query projection, an adapter target. */
    public String queryPath(int layer) {
      return layerPath(layer) + (this == DISTILBERT ? ".attention.q_lin" : ".attention.self.query");
    }

    /** The path of layer {@code layer}'s attention value projection, an adapter target. */
    public String valuePath(int layer) {
      return layerPath(layer) + (this == DISTILBERT ? ".attention.v_lin" : ".attention.self.value");
    }

    /** The encoder layer a block path lies in, if it lies in one (not the embeddings). */
    public OptionalInt layerOf(String path) {
      String start = layerPath(0);
      start = start.substring(0, start.length() - 1);
      if (!path.startsWith(start)) {
        return OptionalInt.empty();
      }
      int end = path.indexOf('.', start.length());
      String digits = path.substring(start.length(), end < 0 ? path.length() : end);
      return digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)
          ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(digits));
    }

    /**
     * The prefix Hugging Face gives the encoder's tensors when it is saved inside a task model
     * ({@code BertForMaskedLM} and the like: its {@code base_model_prefix} and a dot).
     */
    public String checkpointPrefix() {
      return checkpointPrefix;
    }
  }

  /** The feed-forward activation, by the names of Hugging Face's {@code ACT2FN}. */
  public enum HiddenAct {
    /** {@code gelu}: the exact GELU, x · Φ(x) with the error function. */
    GELU,
    /** {@code gelu_new}, {@code gelu_pytorch_tanh}, {@code gelu_fast}: GELU's tanh approximation. */
    GELU_TANH,
    /** {@code relu}. */
    RELU,
    /** {@code silu}, {@code swish}: x · σ(x). */
    SILU,
    /** {@code quick_gelu}: x · σ(1.702 x). */
    QUICK_GELU;

    /** The activation a {@code config.json} value names, or {@code null} if it is none of these. */
    static HiddenAct byConfigName(String name) {
      return switch (name) {
        case "gelu", "gelu_python" -> GELU;
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
        case "relu" -> RELU;
        case "silu", "swish" -> SILU;
        case "quick_gelu" -> QUICK_GELU;
        default -> null;
      };
    }
  }

  /** Validates every value, naming the one that is wrong. */
  public BertConfig {
    if (layout == null || activation == null) {
      throw new IllegalArgumentException("layout and activation must be given, got " + layout + " and " + activation);
    }
    positive("layers", layers);
    positive("hidden", hidden);
    positive("heads", heads);
    positive("intermediate", intermediate);
    positive("maxPositions", maxPositions);
    positive("vocab", vocab);
    if (hidden % heads != 0) {
      throw new IllegalArgumentException(
          "hidden (" + hidden + ") must be a multiple of heads (" + heads + ")");
    }
    if (!(layerNormEps > 0) || Float.isInfinite(layerNormEps)) {
      throw new IllegalArgumentException("layerNormEps must be positive and finite, got " + layerNormEps);
    }
    if (layout == Layout.DISTILBERT ? typeVocab != 0 : typeVocab < 1) {
      throw new IllegalArgumentException("typeVocab must be " + (layout == Layout.DISTILBERT
          ? "0 for DistilBERT, which has no token types" : "at least 1 for " + layout) + ", got " + typeVocab);
    }
    if (padTokenId < 0 || padTokenId >= vocab) {
      throw new IllegalArgumentException("padTokenId must be in [0, " + vocab + "), got " + padTokenId);
    }
    if (maxPositions - (layout == Layout.ROBERTA ? padTokenId + 1 : 0) < 2) {
      throw new IllegalArgumentException("maxPositions (" + maxPositions + ") leaves room for fewer than two"
          + " tokens" + (layout == Layout.ROBERTA ? " after the padding token " + padTokenId : ""));
    }
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  /** The width of one attention head. */
  public int headSize() {
    return hidden / heads;
  }

  /**
   * The position of the first token: 0, but for RoBERTa {@code pad_token_id + 1}, since RoBERTa
   * keeps the rows up to the padding token's for padding.
   */
  public int positionOffset() {
    return layout == Layout.ROBERTA ? padTokenId + 1 : 0;
  }

  /** The most tokens a text may have, special tokens included: the positions after the offset. */
  public int maxTokens() {
    return maxPositions - positionOffset();
  }

  /**
   * This config as the {@code config.json} transformers writes for a bare {@code BertModel}, {@code
   * RobertaModel} or {@code DistilBertModel} ({@code architectures}, {@code model_type} and the keys
   * {@link #parse} reads, under the layout's own names; dropout and initialiser keys at the library's
   * defaults, which inference does not read). {@link #parse} of it gives this config back. A layout
   * read from {@code xlm-roberta} or {@code camembert} is written as {@code roberta}: the same
   * network, and the tokenizer is the folder's own file.
   */
  public JsonObject toHuggingFace() {
    JsonObject json = new JsonObject();
    JsonArray architectures = new JsonArray();
    String activationName = switch (activation) {
      case GELU -> "gelu";
      case GELU_TANH -> "gelu_new";
      case RELU -> "relu";
      case SILU -> "silu";
      case QUICK_GELU -> "quick_gelu";
    };
    if (layout == Layout.DISTILBERT) {
      architectures.add("DistilBertModel");
      json.add("architectures", architectures);
      json.addProperty("model_type", "distilbert");
      json.addProperty("activation", activationName);
      json.addProperty("attention_dropout", 0.1);
      json.addProperty("dim", hidden);
      json.addProperty("dropout", 0.1);
      json.addProperty("hidden_dim", intermediate);
      json.addProperty("initializer_range", 0.02);
      json.addProperty("max_position_embeddings", maxPositions);
      json.addProperty("n_heads", heads);
      json.addProperty("n_layers", layers);
      json.addProperty("pad_token_id", padTokenId);
      json.addProperty("sinusoidal_pos_embds", false);
      json.addProperty("vocab_size", vocab);
    } else {
      architectures.add(layout == Layout.ROBERTA ? "RobertaModel" : "BertModel");
      json.add("architectures", architectures);
      json.addProperty("model_type", layout == Layout.ROBERTA ? "roberta" : "bert");
      json.addProperty("attention_probs_dropout_prob", 0.1);
      json.addProperty("hidden_act", activationName);
      json.addProperty("hidden_dropout_prob", 0.1);
      json.addProperty("hidden_size", hidden);
      json.addProperty("initializer_range", 0.02);
      json.addProperty("intermediate_size", intermediate);
      json.addProperty("layer_norm_eps", layerNormEps);
      json.addProperty("max_position_embeddings", maxPositions);
      json.addProperty("num_attention_heads", heads);
      json.addProperty("num_hidden_layers", layers);
      json.addProperty("pad_token_id", padTokenId);
      json.addProperty("position_embedding_type", "absolute");
      json.addProperty("type_vocab_size", typeVocab);
      json.addProperty("vocab_size", vocab);
    }
    json.addProperty("torch_dtype", "float32");
    return json;
  }

  /**
   * Reads a Hugging Face {@code config.json}.
   *
   * @throws IOException if the file is missing or unreadable, or does not describe a BERT,
   *     RoBERTa or DistilBERT encoder this class can run (the message names the key and the file)
   */
  public static BertConfig read(Path file) throws IOException {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IOException(file + " does not exist; a Hugging Face model folder holds config.json,"
          + " model.safetensors and tokenizer.json", e);
    }
    return parse(json, file.toString());
  }

  /** Reads a {@code config.json} from a class-path resource. */
  static BertConfig readResource(String resource) throws IOException {
    try (InputStream in = BertConfig.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("class-path resource " + resource + " not found");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "class-path resource " + resource);
    }
  }

  /**
   * Parses the text of a {@code config.json}.
   *
   * @param source names the file in messages
   * @throws IOException if the text is not such a config (the message names the key and the source)
   */
  public static BertConfig parse(String json, String source) throws IOException {
    JsonObject root;
    try {
      JsonElement element = JsonParser.parseString(json);
      if (!element.isJsonObject()) {
        throw new IOException(source + ": a config.json holds a JSON object, got " + element);
      }
      root = element.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new IOException(source + ": not valid JSON (" + e.getMessage() + ")", e);
    }
    Keys keys = new Keys(root, source);
    String modelType = keys.string("model_type", null);
    if (modelType == null) {
      throw new IOException(source + ": no \"model_type\"; expected \"bert\", \"roberta\","
          + " \"xlm-roberta\", \"camembert\" or \"distilbert\"");
    }
    Layout layout = switch (modelType) {
      case "bert" -> Layout.BERT;
      case "roberta", "xlm-roberta", "camembert" -> Layout.ROBERTA;
      case "distilbert" -> Layout.DISTILBERT;
      default -> throw new IOException(source + ": \"model_type\" is \"" + modelType + "\"; rankwise runs"
          + " \"bert\", \"roberta\", \"xlm-roberta\", \"camembert\" and \"distilbert\" encoders");
    };
    try {
      if (layout == Layout.DISTILBERT) {
        // DistilBertConfig's own keys and defaults; its LayerNorms are built with eps 1e-12.
        return new BertConfig(layout, keys.integer("n_layers", 6), keys.integer("dim", 768),
            keys.integer("n_heads", 12), keys.integer("hidden_dim", 3072),
            keys.activation("activation"), 1e-12f, keys.integer("max_position_embeddings", 512), 0,
            keys.integer("vocab_size", 30522), keys.integer("pad_token_id", 0));
      }
      String positions = keys.string("position_embedding_type", "absolute");
      if (!positions.equals("absolute")) {
        throw new IOException(source + ": \"position_embedding_type\" is \"" + positions
            + "\"; rankwise runs absolute position embeddings only");
      }
      // BertConfig's and RobertaConfig's defaults for keys a saved config may leave out.
      return new BertConfig(layout, keys.required("num_hidden_layers"), keys.required("hidden_size"),
          keys.required("num_attention_heads"), keys.required("intermediate_size"),
          keys.activation("hidden_act"), keys.number("layer_norm_eps", 1e-12f),
          keys.integer("max_position_embeddings", 512), keys.integer("type_vocab_size", 2),
          keys.required("vocab_size"),
          keys.integer("pad_token_id", layout == Layout.ROBERTA ? 1 : 0));
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": " + e.getMessage(), e);
    }
  }

  /** Typed reads of a config's keys, with messages that name the key and the file. */
  private record Keys(JsonObject root, String source) {

    int required(String key) throws IOException {
      if (!root.has(key) || root.get(key).isJsonNull()) {
        throw new IOException(source + ": no \"" + key + "\"");
      }
      return integer(key, 0);
    }

    int integer(String key, int fallback) throws IOException {
      JsonPrimitive value = primitive(key);
      if (value == null) {
        return fallback;
      }
      if (!value.isNumber() || value.getAsDouble() != Math.rint(value.getAsDouble())
          || Math.abs(value.getAsDouble()) > Integer.MAX_VALUE) {
        throw new IOException(source + ": \"" + key + "\" must be an integer, got " + value);
      }
      return value.getAsInt();
    }

    float number(String key, float fallback) throws IOException {
      JsonPrimitive value = primitive(key);
      if (value == null) {
        return fallback;
      }
      if (!value.isNumber()) {
        throw new IOException(source + ": \"" + key + "\" must be a number, got " + value);
      }
      return value.getAsFloat();
    }

    String string(String key, String fallback) throws IOException {
      JsonPrimitive value = primitive(key);
      if (value == null) {
        return fallback;
      }
      if (!value.isString()) {
        throw new IOException(source + ": \"" + key + "\" must be a string, got " + value);
      }
      return value.getAsString();
    }

    HiddenAct activation(String key) throws IOException {
      String name = string(key, "gelu");
      HiddenAct activation = HiddenAct.byConfigName(name.toLowerCase(Locale.ROOT));
      if (activation == null) {
        throw new IOException(source + ": \"" + key + "\" is \"" + name + "\"; rankwise runs gelu,"
            + " gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish and quick_gelu");
      }
      return activation;
    }

    private JsonPrimitive primitive(String key) throws IOException {
      JsonElement value = root.get(key);
      if (value == null || value.isJsonNull()) {
        return null;
      }
      if (!value.isJsonPrimitive()) {
        throw new IOException(source + ": \"" + key + "\" must be a single value, got " + value);
      }
      return value.getAsJsonPrimitive();
    }
  }
}
