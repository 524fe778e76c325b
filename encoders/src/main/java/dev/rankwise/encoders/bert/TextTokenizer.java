package dev.rankwise.encoders.bert;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rankwise.runtime.infer.TextInputs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model's {@code tokenizer.json} (word pieces for BERT, byte-level BPE for RoBERTa, whatever the
 * file says), run by DJL's Hugging Face tokenizers, whose native library ships in its jar. Encodes
 * texts into the packed rows {@link BertModel} reads in sentence mode: (texts, 2, maxLength) int64,
 * token ids then attention mask, truncated to {@code maxLength} tokens (special tokens included)
 * and padded with the model's padding token. Texts are prefixed first when the model was trained
 * so (e5's {@code "query: "}). Thread-safe: the native tokenizer encodes without shared state, so
 * one instance serves a classifier's threads.
 */
public final class TextTokenizer implements TextInputs, AutoCloseable {

  private static final int CHUNK = 256;

  private final HuggingFaceTokenizer tokenizer;
  private final int maxLength;
  private final String prefix;
  private final long padTokenId;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, String prefix, long padTokenId) {
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
    this.prefix = prefix;
    this.padTokenId = padTokenId;
  }

  /**
   * The tokenizer of a class-path {@code tokenizer.json}.
   *
   * @param artifact the Maven artifact that holds it, for the message when it is missing
   */
  static TextTokenizer fromResource(String resource, String artifact, int maxLength, String prefix,
      long padTokenId) throws IOException {
    try (InputStream in = TextTokenizer.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("class-path resource " + resource + " not found; add " + artifact
            + " as a dependency");
      }
      return new TextTokenizer(HuggingFaceTokenizer.newInstance(in, options(maxLength)), maxLength,
          prefix, padTokenId);
    }
  }

  /** The tokenizer of a {@code tokenizer.json} file. */
  static TextTokenizer fromFile(Path file, int maxLength, String prefix, long padTokenId) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " does not exist; the model folder needs the fast tokenizer's"
          + " tokenizer.json (AutoTokenizer.from_pretrained(...).save_pretrained(folder) writes it)");
    }
    try {
      return new TextTokenizer(HuggingFaceTokenizer.newInstance(file, options(maxLength)), maxLength,
          prefix, padTokenId);
    } catch (RuntimeException e) {
      throw new IOException(file + ": not a tokenizer.json the Hugging Face tokenizers read ("
          + e.getMessage() + ")", e);
    }
  }

  /** The file's own padding and truncation (MiniLM's pads to 128) give way to {@link #pack}'s. */
  private static Map<String, String> options(int maxLength) {
    return Map.of(
        "padding", "longest",
        "truncation", "true",
        "maxLength", Integer.toString(maxLength),
        "addSpecialTokens", "true");
  }

  /** The length every packed row has. */
  public int maxLength() {
    return maxLength;
  }

  /** The text every text is prefixed with before tokenizing; empty for none. */
  public String prefix() {
    return prefix;
  }

  /** Packs texts into (texts, 2, maxLength) int64 rows: ids, then attention mask. */
  public NDArray pack(NDManager manager, List<String> texts) {
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("pack needs at least one text");
    }
    long[] packed = new long[texts.size() * 2 * maxLength];
    for (int from = 0; from < texts.size(); from += CHUNK) {
      List<String> chunk = texts.subList(from, Math.min(texts.size(), from + CHUNK));
      Encoding[] encodings = tokenizer.batchEncode(prefixed(chunk));
      for (int i = 0; i < encodings.length; i++) {
        long[] ids = encodings[i].getIds();
        long[] mask = encodings[i].getAttentionMask();
        int row = (from + i) * 2 * maxLength;
        int length = Math.min(ids.length, maxLength);
        // Padded on the right: the attended tokens come first. The native tokenizer pads with id 0
        // unless its file says otherwise; RoBERTa's padding token is 1.
        for (int t = 0; t < maxLength; t++) {
          packed[row + t] = t < length && mask[t] != 0 ? ids[t] : padTokenId;
        }
        System.arraycopy(mask, 0, packed, row + maxLength, length);
      }
    }
    return manager.create(packed, new Shape(texts.size(), 2, maxLength));
  }

  /** Each packed row's attended tokens, from its mask: rows of {@link #pack}. */
  public static long[] lengths(NDArray packed) {
    try (NDArray mask = packed.get(":, 1, :"); NDArray sums = mask.sum(new int[] {1})) {
      return sums.toType(DataType.INT64, false).toLongArray();
    }
  }

  private List<String> prefixed(List<String> texts) {
    if (prefix.isEmpty()) {
      return texts;
    }
    List<String> prefixed = new ArrayList<>(texts.size());
    texts.forEach(text -> prefixed.add(prefix + text));
    return prefixed;
  }

  /** The packed rows of the texts, as the {@link TextInputs} of a {@code TaskClassifier}. */
  @Override
  public NDList encode(NDManager manager, List<String> texts) {
    return new NDList(pack(manager, texts));
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
