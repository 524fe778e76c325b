package dev.rankwise.runtime.experts;

import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterConfigBuilder;
import dev.rankwise.runtime.internal.ConfigChecks;

/**
 * Validated settings of rank-wise experts {@code ΔW = s · B diag(g) A} (see {@link
 * dev.rankwise.annotations.RankExperts} for the meaning of each value).
 *
 * @param count number of rank-1 experts (total rank), at least 1
 * @param topK most experts used at once, in {@code [1, count]}
 * @param alpha scaling numerator, finite and at least 0; 0 means {@code topK}
 * @param dropout input dropout while training, in {@code [0, 1)}
 * @param balance weight of the token-routing load-balancing loss, finite and at least 0
 */
public record RankExpertsConfig(int count, int topK, double alpha, double dropout, double balance)
    implements AdapterConfig {

  /** The DSL's default {@code balance}. */
  public static final double DEFAULT_BALANCE = 0.01;

  /** Validates every value; the message names the value and what it must be. */
  public RankExpertsConfig {
    ConfigChecks.positive("count", count);
    ConfigChecks.require(topK >= 1 && topK <= count,
        "topK must be in [1, count " + count + "], got " + topK);
    ConfigChecks.finiteNonNegative("alpha", alpha);
    ConfigChecks.dropout(dropout);
    ConfigChecks.finiteNonNegative("balance", balance);
  }

  /** Returns a builder with the DSL's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The factor {@code s} the update is multiplied by. */
  public double scaling() {
    return (alpha == 0 ? topK : alpha) / topK;
  }

  @Override
  public long trainableParameters(long in, long out) {
    return count * (in + out);
  }

  /** Builds a {@link RankExpertsConfig}: {@code setExperts} is required. */
  public static final class Builder extends AdapterConfigBuilder<Builder> {
    private int count;
    private int topK;
    private double balance = DEFAULT_BALANCE;

    private Builder() {}

    /** Sets the number of experts and how many are used at once. */
    public Builder setExperts(int count, int topK) {
      this.count = count;
      this.topK = topK;
      return this;
    }

    /** Sets the load-balancing weight of token routing; default 0.01. */
    public Builder optBalance(double balance) {
      this.balance = balance;
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Validates and returns the config. */
    public RankExpertsConfig build() {
      return new RankExpertsConfig(count, topK, alpha, dropout, balance);
    }
  }
}
