package dev.rankwise.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import plain.TwoTower;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.experts.RankExpertsKind;
import dev.rankwise.runtime.io.AdapterFileException;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraKind;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An adapter folder rebuilds its own declaration: for every kind and routing, the rebuilt spec
 * attaches to a fresh base, loads the folder (whose load checks each layer record against the
 * attached layer) and gives the saved model's outputs.
 */
class SavedSpecTest extends ManagedArrays {

  private static final TaskRouterConfig TASKS = new TaskRouterConfig(List.of("a", "b", "c"), true, 0.1);

  @TempDir Path directory;

  private AdaptedModel attached(AdapterSpec spec) {
    Engine.getInstance().setRandomSeed(5);
    return spec.attach(TwoTower.initialised(manager, 6, 8, 3), 9);
  }

  /** Saves {@code spec}'s adapters with random weights and checks the folder's own spec reproduces them. */
  private AdapterSpec roundTrip(AdapterSpec spec) throws IOException {
    AdaptedModel saved = attached(spec);
    Random random = new Random(3);
    for (var layer : saved.layers().values()) {
      for (Parameter parameter : layer.adapterParameters().values()) {
        float[] values = new float[Math.toIntExact(parameter.getArray().size())];
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) random.nextGaussian();
        }
        parameter.getArray().set(values);
      }
    }
    saved.save(directory);

    AdapterSpec rebuilt = AdapterSpec.read(directory);
    AdaptedModel loaded = attached(rebuilt).load(directory);
    assertEquals(spec.declaringType(), rebuilt.declaringType());
    assertEquals(spec.taskRouter(), rebuilt.taskRouter());
    assertEquals(List.copyOf(saved.layers().keySet()), List.copyOf(loaded.layers().keySet()));
    NDArray input = manager.randomNormal(new Shape(6, 6));
    NDArray ids = manager.create(new long[] {0, 1, 2, 2, 1, 0});
    NDArray expected = spec.taskRouter().isPresent()
        ? TestModels.predict(saved.block(), manager, input, ids) : TestModels.predict(saved.block(), manager, input);
    NDArray actual = spec.taskRouter().isPresent()
        ? TestModels.predict(loaded.block(), manager, input, ids) : TestModels.predict(loaded.block(), manager, input);
    assertTrue(expected.contentEquals(actual), "the rebuilt declaration computes what the saved one did");
    return rebuilt;
  }

  @Test
  void plainLoraWithRankStabilisedScalingRebuildsItsScaling() throws IOException {
    LoraConfig plain = LoraConfig.builder().setRanks(4, 4).optMixer(Mixer.IDENTITY).optAlpha(7).optRsLora(true)
        .optDropout(0.1).build();
    AdapterSpec rebuilt = roundTrip(AdapterSpec.builder("t.Plain").target(plain, "query", "value").build());
    LoraConfig config = (LoraConfig) rebuilt.targetRules().get(0).config();
    assertEquals(plain.scaling(), config.scaling());
    assertEquals(List.of("query"), rebuilt.targetRules().get(0).patterns(), "one rule per layer, its exact path");
  }

  @Test
  void decomposedLoraBesideTokenRoutedExperts() throws IOException {
    roundTrip(AdapterSpec.builder("t.Tokens")
        .target(LoraConfig.builder().setRanks(2, 3).optAlpha(0.3).build(), "head.2")
        .target(RankExpertsConfig.builder().setExperts(4, 2).optAlpha(5).optBalance(0.2).build(), "query")
        .build());
  }

  @Test
  void taskRoutedAdaptiveExpertsWithPerTaskLora() throws IOException {
    roundTrip(AdapterSpec.builder("t.Tasks")
        .target(RankExpertsConfig.builder().setExperts(6, 3).build(), "query", "value")
        .target(LoraConfig.builder().setRanks(2, 2).optPerTask(true).optMixer(Mixer.IDENTITY).build(), "head.2")
        .optTaskRouter(TASKS)
        .build());
  }

  @Test
  void everyDeclaredScalingIsRebuiltExactly() {
    for (double alpha : new double[] {0, 0.1, 0.3, 1e-3, 1, 7, 16.5, 33.3}) {
      for (int rank = 1; rank <= 64; rank++) {
        for (boolean rsLora : new boolean[] {false, true}) {
          LoraConfig declared = new LoraConfig(rank, rank + 1, alpha, 0, Mixer.LEARNED, rsLora, false);
          LoraConfig rebuilt = new LoraKind().readRecord(Map.of("rank_a", rank, "rank_b", rank + 1, "scaling",
              declared.scaling(), "dropout", 0.0, "mixer", "LEARNED", "per_task", false), Optional.empty());
          assertEquals(declared.scaling(), rebuilt.scaling(),
              "alpha " + alpha + ", rank " + rank + ", rsLora " + rsLora);
        }
        RankExpertsConfig experts = new RankExpertsConfig(rank + 1, rank, alpha, 0, 0.01);
        RankExpertsConfig rebuilt = new RankExpertsKind().readRecord(Map.of("count", rank + 1, "top_k", rank,
            "scaling", experts.scaling(), "dropout", 0.0, "balance", 0.01, "routing", "TOKEN"), Optional.empty());
        assertEquals(experts.scaling(), rebuilt.scaling(),
            "alpha " + alpha + ", topK " + rank);
      }
    }
  }

  @Test
  void anUnknownKindOrAPeftFileIsRefusedWithWhatToDo() throws IOException {
    roundTrip(AdapterSpec.builder("t.Kind")
        .target(LoraConfig.builder().setRanks(2, 2).build(), "query").build());
    Path config = directory.resolve(AdapterFiles.CONFIG_FILE);
    Files.writeString(config, Files.readString(config).replace("\"kind\": \"LORA\"", "\"kind\": \"IA3\""));
    AdapterFileException kind = assertThrows(AdapterFileException.class, () -> AdapterSpec.read(directory));
    assertEquals(config + ": layer 'query' holds adapter kind 'IA3', which this rankwise does not know (it knows"
        + " LORA and RANK_EXPERTS)", kind.getMessage());

    Files.writeString(config, "{\"peft_type\": \"LORA\", \"r\": 2, \"target_modules\": [\"query\"]}",
        StandardCharsets.UTF_8);
    AdapterFileException peft = assertThrows(AdapterFileException.class, () -> AdapterSpec.read(directory));
    assertTrue(peft.getMessage().contains("no rankwise section") && peft.getMessage().contains("AdapterSpec.load"),
        peft.getMessage());
  }
}
