package test;

import ai.djl.Model;
import ai.djl.nn.Block;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * Adapters declared by {@link PerTaskLora}: attach them to a model, then train, merge and
 * save them through the returned {@link AdaptedModel}.
 */
@Generated("dev.rankwise.processor.RankwiseProcessor")
public final class PerTaskLora_Adapter {
  /**
   * The {@code @Lora} declared on {@link PerTaskLora}.
   */
  public static final LoraConfig LORA = LoraConfig.builder().setRanks(4, 4).optPerTask(true).build();

  /**
   * The {@code @TaskRouter} declared on {@link PerTaskLora}.
   * A task's id is its index in the tasks.
   */
  public static final TaskRouterConfig TASK_ROUTER = new TaskRouterConfig(List.of("spam", "sentiment"), false, 0.0);

  /**
   * The whole declaration of {@link PerTaskLora}, as the runtime reads it.
   */
  public static final AdapterSpec SPEC = AdapterSpec.builder("test.PerTaskLora")
    .target(LORA, "**.query")
    .optTaskRouter(TASK_ROUTER)
    .build();

  private PerTaskLora_Adapter() {
  }

  /**
   * Attaches the adapters to the model's block and freezes everything else.
   */
  public static AdaptedModel attach(Model model) {
    return SPEC.attach(model);
  }

  /**
   * Attaches the adapters to a block tree and freezes everything else.
   */
  public static AdaptedModel attach(Block block) {
    return SPEC.attach(block);
  }

  /**
   * Attaches the adapters and loads their weights saved in {@code directory}.
   */
  public static AdaptedModel load(Block block, Path directory) throws IOException {
    return SPEC.load(block, directory);
  }
}
