package dev.rankwise.benchmarks;

import dev.rankwise.benchmarks.workload.Workload;
import dev.rankwise.runtime.model.AdapterSpec;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One adapted model the suite measures: a workload and a declaration of {@link Declarations}.
 *
 * @param id the name in files and on the command line, such as {@code minilm-lora-8}
 * @param label the name in tables
 * @param workload the model and batch
 * @param spec the compiled declaration
 */
public record Setup(String id, String label, Workload workload, AdapterSpec spec) {

  /** Every setup, in the order the suite reports them. */
  public static final List<Setup> ALL = List.of(
      new Setup("minilm-lora-8", "LoRA r=8 on q,v", Workload.MINILM, Declarations_Lora8_Adapter.SPEC),
      new Setup("minilm-decomposed-8x8", "decomposed a=b=8 on q,v", Workload.MINILM,
          Declarations_Decomposed8_Adapter.SPEC),
      new Setup("minilm-experts-3of9", "rank experts 3 of 9, task-routed", Workload.MINILM,
          Declarations_Experts9Top3_Adapter.SPEC),
      new Setup("minilm-tokens-1of4", "token-routed experts 1 of 4", Workload.MINILM,
          Declarations_Tokens4Top1_Adapter.SPEC),
      new Setup("minilm-tokens-2of8", "token-routed experts 2 of 8", Workload.MINILM,
          Declarations_Tokens8Top2_Adapter.SPEC),
      new Setup("minilm-tokens-4of16", "token-routed experts 4 of 16", Workload.MINILM,
          Declarations_Tokens16Top4_Adapter.SPEC),
      new Setup("minilm-tokens-8of32", "token-routed experts 8 of 32", Workload.MINILM,
          Declarations_Tokens32Top8_Adapter.SPEC),
      new Setup("minilm-per-task-lora-8", "per-task LoRA r=8, 3 tasks", Workload.MINILM,
          Declarations_PerTaskLora8_Adapter.SPEC),
      new Setup("minilm-experts-3of9-3tasks", "rank experts 3 of 9, 3 tasks", Workload.MINILM,
          Declarations_Experts9Top3ThreeTasks_Adapter.SPEC),
      new Setup("stack-lora-8", "LoRA r=8 on every layer", Workload.STACK, Declarations_StackLora8_Adapter.SPEC));

  /**
   * The setup with this id.
   *
   * @throws IllegalArgumentException naming the known ids if there is none
   */
  public static Setup byId(String id) {
    return ALL.stream().filter(setup -> setup.id.equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no benchmark setup '" + id + "'; the setups are "
            + ALL.stream().map(Setup::id).collect(Collectors.joining(", "))));
  }

  /** The tasks rows can belong to: the declaration's routed tasks, or the one task {@link Declarations#TASK}. */
  public List<String> tasks() {
    return spec.taskRouter().map(router -> router.tasks()).orElse(List.of(Declarations.TASK));
  }
}
