package dev.rankwise.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import java.util.Map;

/**
 * A block that stands in for a frozen linear layer and adds a trainable low-rank update to it (PEFT's
 * {@code BaseTunerLayer}). The model-level code (injection, freezing, merging, files) sees every kind
 * of adapter through this and {@link AdapterKind}.
 */
public interface AdapterLayer extends Block {

  /** The adapter's validated settings. */
  AdapterConfig config();

  /**
   * The trainable adapter parameters by their name in adapter files (such as {@code "lora_A"}), in
   * a fixed order. The frozen base weight and bias are not among them.
   */
  Map<String, Parameter> adapterParameters();

  /**
   * The adapter parameters that route rather than adapt (such as task embeddings or a token
   * router), by file name, in the order of {@link #adapterParameters()}; empty for kinds that do
   * not route.
   */
  default Map<String, Parameter> routingParameters() {
    return Map.of();
  }

  /**
   * The update this layer applies to the rows of task {@code task}, as one plain LoRA ({@link
   * LowRankFactors}): exactly the update, in factors PEFT's LoRA reads. The arrays are copies in
   * {@code manager}.
   *
   * @param task the task's index in the declaration's {@code @TaskRouter}; a layer every task
   *     shares ignores it
   * @throws IllegalStateException if the layer's update has no such form (token-routed experts,
   *     whose every token picks its own experts)
   */
  LowRankFactors plainLora(int task, ai.djl.ndarray.NDManager manager);

  /**
   * What of this layer belongs to task {@code task} alone, by parameter file name: the rows of the
   * parameter's first axis that only this task reads (all of them for a parameter that is the
   * task's own, such as per-task LoRA's {@code lora_A.<task>}; one row of a task-indexed matrix,
   * such as rank experts' {@code task_embedding}). Changing only these leaves every other task's
   * output as it was, which is what lets a task be added to a trained model (PEFT's {@code
   * add_adapter}). Empty for a layer whose parameters every task reads (shared or decomposed LoRA,
   * token-routed experts): such a layer cannot take a new task without changing the others.
   *
   * @param task the task's index in the declaration's {@code @TaskRouter}
   */
  default Map<String, TaskRows> taskParameters(int task) {
    return Map.of();
  }

  /**
   * Rows {@code [from, to)} of a parameter's first axis.
   *
   * @param from the first row
   * @param to one past the last row
   */
  record TaskRows(long from, long to) {
    public TaskRows {
      if (from < 0 || to <= from) {
        throw new IllegalArgumentException("rows must be a non-empty range [from, to), got [" + from + ", " + to + ")");
      }
    }

    /** The number of rows. */
    public long count() {
      return to - from;
    }
  }

  /**
   * The experts each task uses now, by task name in declaration order, best first; empty for kinds
   * that do not select experts per task.
   */
  default Map<String, int[]> selectedExperts() {
    return Map.of();
  }

  /**
   * This layer's record in {@code adapter_config.json} after its {@code kind}: its settings by
   * property name in file order, each a {@code String}, {@code Boolean} or {@code Number}. Loading
   * refuses a file whose record of the layer differs.
   */
  Map<String, Object> fileRecord();

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

  /**
   * The linear layer this adapter wraps, the model's own block: it shares its weight and bias
   * arrays with this adapter, so while this adapter is merged it holds the merged weight.
   */
  Linear baseLayer();

  /**
   * Frees the arrays this adapter owns (its parameters and the copy of the weight kept for {@link
   * #unmerge()}); the base layer's arrays stay as they are. The adapter must not be used afterwards.
   */
  void releaseAdapter();
}
