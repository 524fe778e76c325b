package dev.rankwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a decomposed low-rank adapter {@code y = W0 x + b0 + s · B' T A' dropout(x)} on frozen
 * linear layers (Zhang et al., Front. Comput. Sci. 19(5):195337, 2025, method 1).
 *
 * <p>{@code A'} is {@code rankA × in} (Kaiming-uniform), {@code T} is {@code rankB × rankA}
 * (orthogonal, or the identity with {@link Mixer#IDENTITY}) and {@code B'} is {@code out × rankB}
 * (zero), so the adapted layer equals the base layer before training. The rank of the update is at
 * most {@code min(rankA, rankB)}; each adapted layer trains {@code rankA·in + rankA·rankB +
 * rankB·out} parameters ({@code rankA·in + rankB·out} with {@link Mixer#IDENTITY}).
 *
 * <p>Two places are allowed:
 *
 * <ul>
 *   <li>on an interface or class, with {@link #targets()} naming the linear layers by block path;
 *   <li>on a non-private, non-static, non-final field of type {@code ai.djl.nn.core.Linear} inside a
 *       class that extends a DJL block; {@link #targets()} must then be empty.
 * </ul>
 *
 * <p>Example: {@code @Lora(rankA = 4, rankB = 12, targets = "encoder.layer.*.attention.self.query")}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.FIELD})
public @interface Lora {

  /** Rank of the down-projection {@code A'} (rows of {@code A'}); at least 1. */
  int rankA();

  /** Rank of the up-projection {@code B'} (columns of {@code B'}); at least 1. */
  int rankB();

  /**
   * Scaling numerator: the update is multiplied by {@code alpha / min(rankA, rankB)} (or by {@code
   * alpha / sqrt(min(rankA, rankB))} with {@link #rsLora()}). Finite and at least 0; the default 0
   * means {@code alpha = min(rankA, rankB)}, a scaling of 1.
   */
  double alpha() default 0;

  /**
   * Probability of zeroing an input element before {@code A'} while training (inverted dropout,
   * never at inference). In {@code [0, 1)}; default 0, no dropout.
   */
  double dropout() default 0;

  /** How the middle factor {@code T} behaves; default {@link Mixer#LEARNED}. */
  Mixer mixer() default Mixer.LEARNED;

  /** Rank-stabilised scaling {@code alpha / sqrt(min(rankA, rankB))} instead of {@code alpha / min}. */
  boolean rsLora() default false;

  /**
   * One adapter per task of the type's {@link TaskRouter} instead of one shared by all tasks; each
   * row of a batch uses its own task's adapter. Requires a {@link TaskRouter} on the same type.
   */
  boolean perTask() default false;

  /**
   * Block-path patterns of the linear layers to adapt, for a type-level declaration, such as {@code
   * "encoder.layer.*.attention.self.query"}. A segment {@code *} matches one path segment, {@code **}
   * any number of segments. Every pattern must match at least one layer when the adapter is
   * attached. Must be empty on a field.
   */
  String[] targets() default {};
}
