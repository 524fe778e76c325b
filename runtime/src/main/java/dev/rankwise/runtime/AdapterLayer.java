package dev.rankwise.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * A block that stands in for a frozen linear layer and adds a trainable low-rank update to it. The
 * model-level code (injection, freezing, merging, files) sees every kind of adapter through this.
 */
public interface AdapterLayer extends Block {

  /** The adapter's validated settings. */
  AdapterConfig config();

  /**
   * The trainable adapter parameters by their name in adapter files (such as {@code "lora_A"}), in
   * a fixed order. The frozen base weight and bias are not among them.
   */
  Map<String, Parameter> adapterParameters();

  /** Folds the update into the base weight; refuses (and changes nothing) if the result is not finite. */
  void merge();

  /**
   * Folds the update one task uses into the base weight, so the layer serves that task with no
   * adapter cost. An adapter shared by all tasks merges as {@link #merge()} does.
   *
   * @param task the task's index in the declaration's {@code @TaskRouter}
   */
  default void mergeTask(int task) {
    merge();
  }

  /** Restores the exact base weight that {@link #merge()} or {@link #mergeTask} replaced. */
  void unmerge();

  /** Whether the update is currently folded into the base weight. */
  boolean isMerged();

  /** The frozen base weight as it was before any merge (the model's own weight). */
  NDArray frozenWeight();
}
