package dev.rankwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares rank-wise experts on frozen linear layers (Zhang et al., 2025, method 2): one low-rank
 * adapter of total rank {@link #count()}, {@code A} ({@code count × in}) and {@code B} ({@code out ×
 * count}), whose expert {@code i} is the rank-1 pair ({@code B[:, i]}, {@code A[i, :]}). The update
 * is {@code ΔW = s · B diag(g) A} for a gate {@code g} that keeps at most {@link #topK()} experts.
 *
 * <p>With a {@link TaskRouter} on the same type each task learns its own gate (task routing, the
 * paper's setting; mergeable per task). Without one, a learned router scores every token (token
 * routing); such an adapter cannot be merged.
 *
 * <p>Allowed on the same places as {@link Lora}, never together with {@link Lora} on one element.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.FIELD})
public @interface RankExperts {

  /** Number of rank-1 experts, the total rank {@code R}; at least 1. */
  int count();

  /** Most experts a task (or token) uses at once; between 1 and {@link #count()}. */
  int topK();

  /**
   * Scaling numerator: the update is multiplied by {@code alpha / topK}. Finite and at least 0; the
   * default 0 means {@code alpha = topK}, a scaling of 1.
   */
  double alpha() default 0;

  /** Input dropout probability while training, in {@code [0, 1)}; default 0. */
  double dropout() default 0;

  /**
   * Weight of the load-balancing loss of token routing. Finite and at least 0; default 0.01. It has
   * no effect with a {@link TaskRouter}, whose tasks choose their experts by gate: setting it there
   * draws a compiler warning.
   */
  double balance() default 0.01;

  /** Block-path patterns of the linear layers to adapt; see {@link Lora#targets()}. */
  String[] targets() default {};
}
