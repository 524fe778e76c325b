package dev.rankwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the tasks of a multi-task model and routes every row of a batch by its task: rank experts
 * get one learned gate per task, {@code @Lora(perTask = true)} one adapter per task.
 *
 * <p>Goes on the interface or class that carries the adapter declarations (on the type itself or on
 * its fields), which must have at least one {@link Lora} or {@link RankExperts}. The processor
 * generates a router class with one constant per task.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface TaskRouter {

  /** Task names: unique, valid Java identifiers and not keywords, such as {@code {"spam", "sentiment"}}. */
  String[] tasks();

  /**
   * Each task learns how many of up to {@link RankExperts#topK()} experts it uses (nested ranks, as in
   * MoRE) instead of always using {@code topK}. Requires {@link RankExperts}; default false.
   */
  boolean adaptive() default false;

  /**
   * Weight of the auxiliary contrastive loss between input states and task embeddings (MoRE uses 0.1,
   * temperature 0.05). Finite and at least 0; 0, the default, turns it off. Requires {@link
   * RankExperts}.
   */
  double contrastive() default 0;
}
