package dev.rankwise.samples.encoder;

import dev.rankwise.runtime.model.AdapterSpec;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One method of the main job: a declaration of {@link EncoderMethods} under a short id for the
 * command line.
 *
 * @param id the command-line name, such as {@code shared-lora}
 * @param label the name in tables and charts
 * @param spec the generated declaration
 */
public record Method(String id, String label, AdapterSpec spec) {

  /** Every method, in the order the demo trains and reports them. */
  public static final List<Method> ALL = List.of(
      new Method("shared-lora", "shared LoRA r=16", EncoderMethods_SharedLora_Adapter.SPEC),
      new Method("per-task-lora", "per-task LoRA r=4", EncoderMethods_PerTaskLora_Adapter.SPEC),
      new Method("decomposed-16x16", "decomposed a=b=16", EncoderMethods_DecomposedSquare_Adapter.SPEC),
      new Method("decomposed-12x20", "decomposed a=12,b=20",
          EncoderMethods_DecomposedAsymmetric_Adapter.SPEC),
      new Method("rank-experts", "rank experts 3 of 9", EncoderMethods_RankExpertsRouted_Adapter.SPEC),
      new Method("rank-experts-adaptive", "rank experts adaptive \u2264 3 of 9",
          EncoderMethods_RankExpertsAdaptive_Adapter.SPEC));

  /**
   * The method with this id.
   *
   * @throws IllegalArgumentException naming the known ids if there is none
   */
  public static Method byId(String id) {
    return ALL.stream().filter(method -> method.id.equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no method '" + id + "'; the methods are "
            + ALL.stream().map(Method::id).collect(Collectors.joining(", "))));
  }

  /** The tasks the declaration routes, in order. */
  public List<String> tasks() {
    return spec.taskRouter().orElseThrow(() -> new IllegalStateException(
        spec.declaringType() + " declares no @TaskRouter")).tasks();
  }
}
