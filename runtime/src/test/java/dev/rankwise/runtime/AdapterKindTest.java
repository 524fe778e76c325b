package dev.rankwise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.experts.RankExpertsKind;
import dev.rankwise.runtime.experts.RankExpertsLinear;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraKind;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.lora.PerTaskLoraLinear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The registry finds every kind on the class path and builds each config's layer through it. */
class AdapterKindTest extends ManagedArrays {

  private static final LoraConfig LORA = LoraConfig.builder().setRanks(2, 2).build();
  private static final RankExpertsConfig EXPERTS = RankExpertsConfig.builder().setExperts(4, 2).build();
  private static final TaskRouterConfig TASKS = new TaskRouterConfig(List.of("a", "b"), false, 0);

  /** A config of a kind nobody registered. */
  private record Unregistered() implements AdapterConfig {
    @Override
    public long trainableParameters(long in, long out) {
      return 0;
    }
  }

  @Test
  void eachConfigTypeHasItsKindAndItsFileName() {
    assertInstanceOf(LoraKind.class, AdapterKind.of(LORA));
    assertInstanceOf(RankExpertsKind.class, AdapterKind.of(EXPERTS));
    assertEquals("LORA", LORA.kind());
    assertEquals("RANK_EXPERTS", EXPERTS.kind());
  }

  @Test
  void theKindBuildsTheLayerItsConfigAndRoutingDeclare() {
    assertInstanceOf(LoraLinear.class, create(LORA, Optional.empty()));
    assertInstanceOf(PerTaskLoraLinear.class,
        create(LoraConfig.builder().setRanks(2, 2).optPerTask(true).build(), Optional.of(TASKS)));
    RankExpertsLinear routed = (RankExpertsLinear) create(EXPERTS, Optional.of(TASKS));
    assertEquals(Optional.of(TASKS), routed.router());
    assertEquals(Optional.empty(), ((RankExpertsLinear) create(EXPERTS, Optional.empty())).router());
  }

  @Test
  void perTaskLoraWithoutATaskRouterIsAnError() {
    LoraConfig perTask = LoraConfig.builder().setRanks(2, 2).optMixer(Mixer.IDENTITY).optPerTask(true).build();
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> create(perTask, Optional.empty()));
    assertEquals("@Lora(perTask = true) needs a @TaskRouter on the declaration", error.getMessage());
  }

  @Test
  void aConfigNoKindReadsSaysHowToRegisterOne() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> new Unregistered().kind());
    assertTrue(error.getMessage().startsWith("no adapter kind reads " + Unregistered.class.getName()
        + "; known kinds read [LoraConfig, RankExpertsConfig]."), error.getMessage());
    assertTrue(error.getMessage().endsWith("META-INF/services/dev.rankwise.runtime.AdapterKind"),
        error.getMessage());
  }

  private AdapterLayer create(AdapterConfig config, Optional<TaskRouterConfig> router) {
    return AdapterKind.create(TestModels.linear(manager, 6, 4, true, DataType.FLOAT32), config, router, 1);
  }
}
