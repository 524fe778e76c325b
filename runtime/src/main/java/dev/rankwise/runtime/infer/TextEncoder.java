package dev.rankwise.runtime.infer;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * A pretrained text encoder that task adapters are trained on: what {@link TaskClassifier#load}
 * needs to rebuild a classifier from an adapter folder alone. The module {@code rankwise-encoders}
 * implements it for its models.
 */
public interface TextEncoder {

  /**
   * The encoder's name, saved with the adapters and checked when they are loaded, such as the
   * Hugging Face id {@code sentence-transformers/all-MiniLM-L6-v2}.
   */
  String name();

  /**
   * A fresh copy of the pretrained encoder, its weights in {@code manager}: it reads what {@link
   * #inputs()} makes and returns features (rows, {@link #features()}).
   *
   * @throws IOException if the pretrained weights cannot be read
   */
  Block newBlock(NDManager manager) throws IOException;

  /** The width of the features the encoder returns, which the task heads read. */
  long features();

  /** The step that turns texts into the encoder's inputs. */
  TextInputs inputs();

  /**
   * What shapes the features besides the name, saved with the adapters and compared when they are
   * loaded: such as the pooling, a text prefix, a fingerprint of the weights. Strings, booleans and
   * numbers by name. A setting named in {@link #INFORMATIVE_SETTINGS} is recorded but may differ
   * on load (the tokens per text a model was trained with, say). Empty by default.
   */
  default Map<String, Object> settings() {
    return Map.of();
  }

  /** Settings recorded for the reader, not required to match on load. */
  Set<String> INFORMATIVE_SETTINGS = Set.of("max_length");
}
