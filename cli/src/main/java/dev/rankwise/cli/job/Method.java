package dev.rankwise.cli.job;

import dev.rankwise.encoders.bert.BertConfig;
import dev.rankwise.runtime.model.AdapterSpec;
import java.util.List;
import dev.rankwise.cli.study.StudyMethods_Decomposed12x4_Adapter;
import dev.rankwise.cli.study.StudyMethods_Decomposed4x12_Adapter;
import dev.rankwise.cli.study.StudyMethods_Decomposed8x8_Adapter;
import dev.rankwise.cli.study.StudyMethods_ExpertsContrastive_Adapter;
import dev.rankwise.cli.study.StudyMethods_ExpertsTop1_Adapter;
import dev.rankwise.cli.study.StudyMethods_ExpertsTop2_Adapter;
import dev.rankwise.cli.study.StudyMethods_ExpertsTop5_Adapter;
import dev.rankwise.cli.study.StudyMethods_Lora8_Adapter;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One method of the main job: a declaration of {@link EncoderMethods} under a short id for the
 * command line.
 *
 * @param id the command-line name, such as {@code shared-lora}
 * @param label the name in tables and charts
 * @param spec the generated declaration
 * @param frozenRouting whether the experts' routing stays at its initialisation (an ablation)
 */
public record Method(String id, String label, AdapterSpec spec, boolean frozenRouting) {

  /** Every method of the main job, in the order the demo trains and reports them. */
  public static final List<Method> ALL = List.of(
      new Method("shared-lora", "shared LoRA r=16", EncoderMethods_SharedLora_Adapter.SPEC, false),
      new Method("per-task-lora", "per-task LoRA r=4", EncoderMethods_PerTaskLora_Adapter.SPEC, false),
      new Method("decomposed-16x16", "decomposed a=b=16", EncoderMethods_DecomposedSquare_Adapter.SPEC,
          false),
      new Method("decomposed-12x20", "decomposed a=12,b=20",
          EncoderMethods_DecomposedAsymmetric_Adapter.SPEC, false),
      new Method("rank-experts", "rank experts 3 of 9", EncoderMethods_RankExpertsRouted_Adapter.SPEC,
          false),
      new Method("rank-experts-adaptive", "rank experts adaptive \u2264 3 of 9",
          EncoderMethods_RankExpertsAdaptive_Adapter.SPEC, false));

  /** The study's further methods ({@link dev.rankwise.cli.study.StudyMethods}). */
  public static final List<Method> STUDY = List.of(
      new Method("lora-8", "LoRA r=8", StudyMethods_Lora8_Adapter.SPEC, false),
      new Method("decomposed-8x8", "decomposed a=b=8", StudyMethods_Decomposed8x8_Adapter.SPEC, false),
      new Method("decomposed-4x12", "decomposed a=4,b=12", StudyMethods_Decomposed4x12_Adapter.SPEC, false),
      new Method("decomposed-12x4", "decomposed a=12,b=4", StudyMethods_Decomposed12x4_Adapter.SPEC, false),
      new Method("rank-experts-frozen-gates", "rank experts 3 of 9, gates frozen",
          EncoderMethods_RankExpertsRouted_Adapter.SPEC, true),
      new Method("rank-experts-top1", "rank experts 1 of 9", StudyMethods_ExpertsTop1_Adapter.SPEC, false),
      new Method("rank-experts-top2", "rank experts 2 of 9", StudyMethods_ExpertsTop2_Adapter.SPEC, false),
      new Method("rank-experts-top5", "rank experts 5 of 9", StudyMethods_ExpertsTop5_Adapter.SPEC, false),
      new Method("rank-experts-contrastive", "rank experts 3 of 9 + contrastive 0.1",
          StudyMethods_ExpertsContrastive_Adapter.SPEC, false));

  /**
   * The method with this id, of the main job or the study.
   *
   * @throws IllegalArgumentException naming the known ids if there is none
   */
  public static Method byId(String id) {
    return Stream.concat(ALL.stream(), STUDY.stream()).filter(method -> method.id.equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no method '" + id + "'; the methods are "
            + ALL.stream().map(Method::id).collect(Collectors.joining(", ")) + "; the study adds "
            + STUDY.stream().map(Method::id).collect(Collectors.joining(", "))));
  }

  /** The same method routing only {@code tasks}, such as one task trained alone. */
  public Method forTasks(List<String> tasks) {
    return tasks.equals(tasks()) ? this : new Method(id, label, spec.withTasks(tasks), frozenRouting);
  }

  /** The same method on another base: its targets moved to that base's top two layers ({@link EncoderMethods#onBase}). */
  public Method onBase(BertConfig config) {
    return onBase(config, Placement.TOP_TWO);
  }

  /** The same method on another base, its targets placed as {@code placement} says. */
  public Method onBase(BertConfig config, Placement placement) {
    return new Method(id, label, spec.withTargetLists(placement.targets(config)), frozenRouting);
  }

  /** The tasks the declaration routes, in order. */
  public List<String> tasks() {
    return spec.taskRouter().orElseThrow(() -> new IllegalStateException(
        spec.declaringType() + " declares no @TaskRouter")).tasks();
  }
}
