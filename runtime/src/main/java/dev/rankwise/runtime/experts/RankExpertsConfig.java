package dev.rankwise.runtime.experts;

import dev.rankwise.runtime.AdapterConfig;

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
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive, got " + count);
    }
    if (topK < 1 || topK > count) {
      throw new IllegalArgumentException(
          "topK must be in [1, count " + count + "], got " + topK);
    }
    if (!Double.isFinite(alpha) || alpha < 0) {
      throw new IllegalArgumentException("alpha must be finite and >= 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    if (!Double.isFinite(balance) || balance < 0) {
      throw new IllegalArgumentException("balance must be finite and >= 0, got " + balance);
    }
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
  public String kind() {
    return "RANK_EXPERTS";
  }

  @Override
  public long trainableParameters(long in, long out) {
    return count * (in + out);
  }

  /** Builds a {@link RankExpertsConfig}: {@code setExperts} is required. */
  public static final class Builder {
    private int count;
    private int topK;
    private double alpha;
    private double dropout;
    private double balance = DEFAULT_BALANCE;

    private Builder() {}

    /** Sets the number of experts and how many are used at once. */
    public Builder setExperts(int count, int topK) {
      this.count = count;
      this.topK = topK;
      return this;
    }

    /** Sets the scaling numerator; 0 (default) means {@code topK}. */
    public Builder optAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Sets the input dropout probability; default 0. */
    public Builder optDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /** Sets the load-balancing weight of token routing; default 0.01. */
    public Builder optBalance(double balance) {
      this.balance = balance;
      return this;
    }

    /** Validates and returns the config. */
    public RankExpertsConfig build() {
      return new RankExpertsConfig(count, topK, alpha, dropout, balance);
    }
  }
}
