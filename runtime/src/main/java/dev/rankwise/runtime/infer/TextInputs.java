package dev.rankwise.runtime.infer;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * The text-to-input step of a {@link TaskClassifier}: turns texts into the arrays its encoder block
 * reads, such as a tokenizer's packed token ids. Implementations are called by several threads at
 * once when the classifier is.
 */
@FunctionalInterface
public interface TextInputs {

  /**
   * The encoder's inputs for the texts, one row per text in their order.
   *
   * @param manager owns the arrays (a per-batch manager, closed after the batch)
   * @param texts at least one text
   */
  NDList encode(NDManager manager, List<String> texts);
}
