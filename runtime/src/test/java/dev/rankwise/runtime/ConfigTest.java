package dev.rankwise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ConfigTest {

  private static void fails(String message, Executable build) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, build).getMessage());
  }

  @Test
  void loraValuesAreValidatedWithTheirNames() {
    fails("rankA must be positive, got 0", () -> LoraConfig.builder().setRanks(0, 2).build());
    fails("rankB must be positive, got -1", () -> LoraConfig.builder().setRanks(2, -1).build());
    fails("alpha must be finite and >= 0, got NaN",
        () -> LoraConfig.builder().setRanks(2, 2).optAlpha(Double.NaN).build());
    fails("dropout must be in [0, 1), got 1.0",
        () -> LoraConfig.builder().setRanks(2, 2).optDropout(1).build());
    fails("mixer IDENTITY needs rankA == rankB, got rankA 2 and rankB 3",
        () -> LoraConfig.builder().setRanks(2, 3).optMixer(Mixer.IDENTITY).build());
  }

  @Test
  void loraScalingAndParameterCountFollowTheDesign() {
    LoraConfig config = LoraConfig.builder().setRanks(4, 12).build();
    assertEquals(4, config.rank());
    assertEquals(1.0, config.scaling());
    assertEquals(2.0, LoraConfig.builder().setRanks(4, 12).optAlpha(8).build().scaling());
    assertEquals(4.0, LoraConfig.builder().setRanks(4, 4).optAlpha(8).optRsLora(true).build().scaling());
    assertEquals(4L * 384 + 4 * 12 + 12 * 384, config.trainableParameters(384, 384));
    assertEquals(8L * 384 + 8 * 384,
        LoraConfig.builder().setRanks(8, 8).optMixer(Mixer.IDENTITY).build().trainableParameters(384, 384));
  }

  @Test
  void expertAndRouterValuesAreValidated() {
    fails("count must be positive, got 0", () -> RankExpertsConfig.builder().setExperts(0, 1).build());
    fails("topK must be in [1, count 2], got 4", () -> RankExpertsConfig.builder().setExperts(2, 4).build());
    fails("balance must be finite and >= 0, got -1.0",
        () -> RankExpertsConfig.builder().setExperts(2, 1).optBalance(-1).build());
    fails("task names must be unique, got 'a' twice", () -> new TaskRouterConfig(List.of("a", "a"), false, 0));
    fails("task names must differ in more than letter case, got 'spam' and 'Spam'",
        () -> new TaskRouterConfig(List.of("spam", "grain", "Spam"), false, 0));
    fails("unknown task 'c'; valid tasks: [a, b]", () -> new TaskRouterConfig(List.of("a", "b"), false, 0).taskId("c"));
  }
}
