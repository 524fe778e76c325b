package dev.rankwise.samples.quickstart;

import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's example, line for line (the build checks that the README's code is in the samples):
 * fine-tune the adapters a {@link TinyClassifier} declares on its fields, merge, unmerge and save
 * them.
 */
public final class ReadmeExample {

  private ReadmeExample() {}

  /**
   * Fine-tunes the declared adapters of {@code model} (initialised, its weights pretrained) on
   * {@code task}, then saves them in {@code directory}.
   */
  public static TrainingResult fineTune(TinyClassifier model, TaskData task, Path directory)
      throws IOException {
    AdaptedModel adapted = TinyClassifier_Adapter.attach(model);  // swaps the @Lora fields, freezes the rest
    System.out.println(adapted.summary());                        // trainable params: 388 || all params: 742 || ...
    TrainingConfig config = TrainingConfig.builder()
        .setLearningRate(2e-2).optEpochs(15).optBatchSize(64).optWarmupSteps(20).build();
    TrainingResult result = TaskTrainer.builder().setConfig(config).build()
        .fit(adapted, TaskHeads.identity(List.of(task.name())), List.of(task));  // AdamW, clipping, metrics
    adapted.merge();                                              // W = W0 + s·B'TA', refused if not finite
    adapted.unmerge();                                            // restores W0 bit for bit
    adapted.save(directory);                                      // adapter_model.safetensors + adapter_config.json
    return result;
  }
}
