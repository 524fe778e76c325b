package dev.rankwise.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's example: it must fine-tune a pretrained model's adapters and save them. */
class ReadmeExampleTest {

  @Test
  void theReadmeExampleFineTunesAndSaves(@TempDir Path directory) throws Exception {
    Engine.getInstance().setRandomSeed(0);
    try (NDManager manager = NDManager.newBaseManager()) {
      TaskData base = ShiftedTasks.task(manager, "base", ShiftedTasks.BASE, 2048, 0, 1024, 1);
      TaskData shifted = ShiftedTasks.task(manager, "shifted", ShiftedTasks.SHIFTED, 2048, 0, 1024, 2);
      TinyClassifier model = new TinyClassifier(32, 2);
      model.initialize(manager, DataType.FLOAT32, new Shape(1, ShiftedTasks.FEATURES));
      TaskTrainer.builder()
          .setConfig(TrainingConfig.builder().setLearningRate(1e-2).optEpochs(10).optBatchSize(64).build())
          .build()
          .fit(model, TaskHeads.identity(List.of(base.name())), List.of(base));

      TrainingResult result = ReadmeExample.fineTune(model, shifted, directory);

      double accuracy = result.metrics("shifted").accuracy();
      assertTrue(accuracy > 0.9, "the adapters should learn the shifted task, got accuracy " + accuracy);
      assertTrue(Files.exists(directory.resolve("adapter_model.safetensors")));
      assertTrue(Files.exists(directory.resolve("adapter_config.json")));
    }
  }
}
