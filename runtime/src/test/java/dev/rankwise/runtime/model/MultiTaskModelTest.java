package dev.rankwise.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.PerTaskLoraLinear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import plain.TwoTower;

/** A multi-task declaration end to end: rank experts and per-task LoRA under one task router. */
class MultiTaskModelTest extends ManagedArrays {

  private static final TaskRouterConfig TASKS =
      new TaskRouterConfig(List.of("spam", "sentiment", "topic"), false, 0);
  private static final AdapterSpec SPEC =
      AdapterSpec.builder("test.MultiTask")
          .target(RankExpertsConfig.builder().setExperts(6, 2).build(), "query", "value")
          .target(LoraConfig.builder().setRanks(2, 3).optPerTask(true).build(), "head.2")
          .optTaskRouter(TASKS)
          .build();

  @TempDir Path directory;

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(4);
  }

  private AdaptedModel trained() {
    Engine.getInstance().setRandomSeed(4);
    AdaptedModel model = SPEC.attach(TwoTower.initialised(manager, 6, 8, 3), 1);
    NDArray input = manager.randomNormal(new Shape(24, 6));
    NDArray target = manager.randomNormal(new Shape(24, 3));
    TestModels.train(model.block(), model.trainableParameters(), manager, input, ids(24),
        prediction -> prediction.sub(target).square().mean(), 30, 0.05f);
    return model;
  }

  private NDArray ids(int rows) {
    long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = i % 3;
    }
    return manager.create(ids);
  }

  @Test
  void perTaskLoraNamesItsParametersPerTask() {
    AdaptedModel model = SPEC.attach(TwoTower.initialised(manager, 6, 8, 3), 1);
    PerTaskLoraLinear head = (PerTaskLoraLinear) model.layers().get("head.2");
    assertEquals(
        List.of("lora_A.spam", "lora_T.spam", "lora_B.spam", "lora_A.sentiment", "lora_T.sentiment",
            "lora_B.sentiment", "lora_A.topic", "lora_T.topic", "lora_B.topic"),
        List.copyOf(head.adapterParameters().keySet()));
  }

  @Test
  void eachTaskMergesIntoTheBaseWithTheOutputsOfRouting() {
    AdaptedModel model = trained();
    NDArray input = manager.randomNormal(new Shape(5, 6));
    List<float[]> frozen = new ArrayList<>();
    for (var layer : model.layers().values()) {
      frozen.add(((dev.rankwise.runtime.AdaptedLinear) layer).baseWeight().getArray().toFloatArray());
    }
    assertThrows(IllegalStateException.class, model::merge, "experts merge per task only");
    for (String task : TASKS.tasks()) {
      NDArray ids = manager.create(new long[] {TASKS.taskId(task), TASKS.taskId(task),
          TASKS.taskId(task), TASKS.taskId(task), TASKS.taskId(task)});
      NDArray routed = TestModels.predict(model.block(), manager, input, ids);
      model.mergeTask(task);
      NDArray merged = TestModels.predict(model.block(), manager, input);
      assertTrue(routed.allClose(merged, 1e-5, 1e-5, false), task);
      model.unmerge();
      int i = 0;
      for (var layer : model.layers().values()) {
        assertArrayEquals(frozen.get(i++),
            ((dev.rankwise.runtime.AdaptedLinear) layer).baseWeight().getArray().toFloatArray());
      }
    }
  }

  @Test
  void saveThenLoadGivesIdenticalOutputsForEveryTask() throws IOException {
    AdaptedModel trained = trained();
    trained.save(directory);
    Engine.getInstance().setRandomSeed(4);
    AdaptedModel fresh = SPEC.attach(TwoTower.initialised(manager, 6, 8, 3), 99);
    fresh.load(directory);

    NDArray input = manager.randomNormal(new Shape(9, 6));
    NDArray ids = ids(9);
    assertTrue(TestModels.predict(trained.block(), manager, input, ids)
        .contentEquals(TestModels.predict(fresh.block(), manager, input, ids)));
    for (int i = 0; i < trained.trainableParameters().size(); i++) {
      Parameter parameter = trained.trainableParameters().get(i);
      assertArrayEquals(parameter.getArray().toFloatArray(),
          fresh.trainableParameters().get(i).getArray().toFloatArray(), parameter.getName());
    }

    JsonObject rankwise = JsonParser.parseString(
        Files.readString(directory.resolve(AdapterFiles.CONFIG_FILE))).getAsJsonObject()
        .getAsJsonObject("rankwise");
    assertEquals("[\"spam\",\"sentiment\",\"topic\"]", rankwise.get("tasks").toString());
    assertEquals(2, rankwise.getAsJsonObject("selected_experts").getAsJsonObject("query")
        .getAsJsonArray("spam").size());
    assertEquals("TASK", rankwise.getAsJsonObject("layers").getAsJsonObject("value")
        .get("routing").getAsString());
    assertTrue(rankwise.getAsJsonObject("layers").getAsJsonObject("head.2").get("per_task").getAsBoolean());
  }

  @Test
  void filesOfOtherTasksAreRefused() throws IOException {
    trained().save(directory);
    AdapterSpec other = AdapterSpec.builder("test.MultiTask")
        .target(RankExpertsConfig.builder().setExperts(6, 2).build(), "query", "value")
        .target(LoraConfig.builder().setRanks(2, 3).optPerTask(true).build(), "head.2")
        .optTaskRouter(new TaskRouterConfig(List.of("spam", "sentiment", "news"), false, 0))
        .build();
    AdaptedModel model = other.attach(TwoTower.initialised(manager, 6, 8, 3), 1);
    IOException error = assertThrows(IOException.class, () -> model.load(directory));
    assertTrue(error.getMessage().contains("saved for tasks"), error.getMessage());
  }
}
