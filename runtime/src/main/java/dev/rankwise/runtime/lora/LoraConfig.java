package dev.rankwise.runtime.lora;

import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterConfigBuilder;
import dev.rankwise.runtime.internal.ConfigChecks;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Validated settings of a decomposed LoRA adapter {@code ΔW = s · B' T A'} (see {@link
 * dev.rankwise.annotations.Lora} for the meaning of each value).
 *
 * @param rankA rows of {@code A'}, at least 1
 * @param rankB columns of {@code B'}, at least 1
 * @param alpha scaling numerator, finite and at least 0; 0 means {@code min(rankA, rankB)}
 * @param dropout input dropout while training, in {@code [0, 1)}
 * @param mixer learned {@code T} or the identity (plain LoRA, needs {@code rankA == rankB})
 * @param rsLora scale by {@code alpha / sqrt(min)} instead of {@code alpha / min}
 * @param perTask one adapter per task instead of one shared by all tasks
 */
public record LoraConfig(
    int rankA, int rankB, double alpha, double dropout, Mixer mixer, boolean rsLora, boolean perTask)
    implements AdapterConfig {

  /** Validates every value; the message names the value and what it must be. */
  public LoraConfig {
    ConfigChecks.positive("rankA", rankA);
    ConfigChecks.positive("rankB", rankB);
    ConfigChecks.finiteNonNegative("alpha", alpha);
    ConfigChecks.dropout(dropout);
    ConfigChecks.require(mixer != null, "mixer must not be null");
    ConfigChecks.require(mixer != Mixer.IDENTITY || rankA == rankB,
        "mixer IDENTITY needs rankA == rankB, got rankA " + rankA + " and rankB " + rankB);
  }

  /** Returns a builder with the DSL's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The rank bound of the update, {@code min(rankA, rankB)}. */
  public int rank() {
    return Math.min(rankA, rankB);
  }

  /** The factor {@code s} the update is multiplied by. */
  public double scaling() {
    double effectiveAlpha = alpha == 0 ? rank() : alpha;
    return rsLora ? effectiveAlpha / Math.sqrt(rank()) : effectiveAlpha / rank();
  }

  /** Whether {@code T} is learned (and stored) rather than fixed to the identity. */
  public boolean hasMixer() {
    return mixer == Mixer.LEARNED;
  }

  /** Plain LoRA (identity mixer, one adapter for all tasks) is PEFT's own LoRA. */
  @Override
  public Optional<PeftLora> peftLora() {
    if (hasMixer() || perTask) {
      return Optional.empty();
    }
    return Optional.of(new PeftLora(rankA, alpha == 0 ? rank() : alpha, dropout, rsLora));
  }

  /** The record of a layer with this config in {@code adapter_config.json}, shared and per task alike. */
  Map<String, Object> fileRecord() {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("rank_a", rankA);
    record.put("rank_b", rankB);
    record.put("scaling", scaling());
    record.put("mixer", mixer.name());
    record.put("dropout", dropout);
    record.put("per_task", perTask);
    return record;
  }

  @Override
  public long trainableParameters(long in, long out) {
    long mixerParameters = hasMixer() ? (long) rankA * rankB : 0;
    return rankA * in + mixerParameters + rankB * out;
  }

  /** Builds a {@link LoraConfig}: {@code setRanks} is required, the {@code opt} values default as the DSL. */
  public static final class Builder extends AdapterConfigBuilder<Builder> {
    private int rankA;
    private int rankB;
    private Mixer mixer = Mixer.LEARNED;
    private boolean rsLora;
    private boolean perTask;

    private Builder() {}

    /** Sets the ranks of {@code A'} and {@code B'}. */
    public Builder setRanks(int rankA, int rankB) {
      this.rankA = rankA;
      this.rankB = rankB;
      return this;
    }

    /** Sets the mixer; default {@link Mixer#LEARNED}. */
    public Builder optMixer(Mixer mixer) {
      this.mixer = mixer;
      return this;
    }

    /** Turns on rank-stabilised scaling; default off. */
    public Builder optRsLora(boolean rsLora) {
      this.rsLora = rsLora;
      return this;
    }

    /** Gives every task its own adapter; default off (one shared adapter). */
    public Builder optPerTask(boolean perTask) {
      this.perTask = perTask;
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Validates and returns the config. */
    public LoraConfig build() {
      return new LoraConfig(rankA, rankB, alpha, dropout, mixer, rsLora, perTask);
    }
  }
}
