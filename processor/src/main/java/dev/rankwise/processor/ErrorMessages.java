package dev.rankwise.processor;

import java.util.Locale;

/**
 * Every message the processor prints, errors and warnings, in one place (as Dagger's {@code ErrorMessages}). A message
 * starts with the annotation, states the rule with "must" or "may not", shows the bad value and
 * hints at a fix.
 */
public final class ErrorMessages {

  private ErrorMessages() {}

  /** A rank or expert count below 1. */
  public static String atLeastOne(String annotation, String attribute, int value) {
    return String.format(Locale.ROOT, "@%s %s (%d) must be at least 1", annotation, attribute, value);
  }

  /** The identity mixer with different ranks. */
  public static String identityNeedsEqualRanks(int rankA, int rankB) {
    return String.format(Locale.ROOT,
        "@Lora mixer IDENTITY needs rankA == rankB, got rankA %d and rankB %d;"
            + " use mixer LEARNED for an asymmetric decomposition", rankA, rankB);
  }

  /** An alpha, balance or contrastive weight that is negative or not finite. */
  public static String finiteNonNegative(String annotation, String attribute, double value, String hint) {
    return String.format(Locale.ROOT, "@%s %s (%s) must be finite and at least 0; %s",
        annotation, attribute, value, hint);
  }

  /** A dropout outside [0, 1). */
  public static String dropoutRange(String annotation, double value) {
    return String.format(Locale.ROOT,
        "@%s dropout (%s) must be at least 0 and less than 1, the probability of dropping an input",
        annotation, value);
  }

  /** topK above count. */
  public static String topKAboveCount(int topK, int count) {
    return String.format(Locale.ROOT,
        "@RankExperts topK (%d) must not exceed count (%d); lower topK or add experts", topK, count);
  }

  /** perTask without a router. */
  public static String perTaskNeedsRouter(String type) {
    return "@Lora perTask needs a @TaskRouter on " + type
        + "; add @TaskRouter(tasks = {...}) or remove perTask";
  }

  /** adaptive or contrastive without rank experts. */
  public static String needsRankExperts(String attribute, String type) {
    return "@TaskRouter " + attribute + " needs a @RankExperts declaration on " + type
        + " or its fields; it only applies to rank experts";
  }

  /** A router with nothing to route. */
  public static String routerNeedsAdapter(String type) {
    return "@TaskRouter needs at least one @Lora or @RankExperts on " + type + " or its fields";
  }

  /** No tasks. */
  public static String noTasks() {
    return "@TaskRouter tasks must not be empty; name at least one task";
  }

  /** A task named twice. */
  public static String duplicateTask(String task) {
    return "@TaskRouter task '" + task + "' may not appear twice; task names must be unique";
  }

  /** Two task names that differ only in letter case. */
  public static String tasksDifferOnlyInCase(String task, String other) {
    return "@TaskRouter task '" + task + "' may not differ from task '" + other + "' only in letter"
        + " case; such names are easily confused and collide as file names on case-insensitive file"
        + " systems: rename one";
  }

  /** A task name that is not an identifier. */
  public static String taskNotIdentifier(String task) {
    return "@TaskRouter task '" + task
        + "' must be a valid Java identifier, such as 'spam'; task names become parts of"
        + " parameter names and file keys";
  }

  /** A task name that is a keyword. */
  public static String taskIsKeyword(String task) {
    return "@TaskRouter task '" + task + "' may not be a Java keyword; rename it, such as '"
        + task + "Task'";
  }

  /** Both adapter annotations on one element. */
  public static String bothAdapters() {
    return "@RankExperts may not be on the same element as @Lora; a layer takes one adapter, choose one";
  }

  /** A type-level declaration without targets. */
  public static String targetsRequired(String annotation) {
    return "@" + annotation + " on a type must have non-empty targets, the block paths to adapt,"
        + " such as targets = \"encoder.layer.*.attention.self.query\"";
  }

  /** A malformed target pattern. */
  public static String malformedTarget(String annotation, String target) {
    return "@" + annotation + " target '" + target + "' must be block-path segments separated by"
        + " single dots, each a name of letters, digits, '_' or '-', or '*' (one segment) or '**'"
        + " (any depth)";
  }

  /** A target pattern given twice. */
  public static String duplicateTarget(String annotation, String target) {
    return "@" + annotation + " target '" + target + "' may not appear twice";
  }

  /** A field declaration with targets. */
  public static String fieldTargets(String annotation) {
    return "@" + annotation + " on a field must not have targets; the field itself is the target";
  }

  /** A field that is not a Linear. */
  public static String fieldNotLinear(String annotation, String field, String type) {
    return "@" + annotation + " field " + field + " must have type ai.djl.nn.core.Linear, not "
        + type;
  }

  /** A field typed with a subclass of Linear. */
  public static String fieldLinearSubtype(String annotation, String field, String type) {
    return "@" + annotation + " field " + field + " must be declared as ai.djl.nn.core.Linear, not"
        + " its subtype " + type + ": the adapter that replaces the layer is a Linear";
  }

  /** A private, static or final field. */
  public static String fieldModifier(String annotation, String field, String modifier) {
    return "@" + annotation + " field " + field + " may not be " + modifier
        + "; the generated adapter assigns it, so make it package-private, protected or public";
  }

  /** A field in a class that is not a DJL block. */
  public static String fieldOwnerNotBlock(String annotation, String field, String owner) {
    return "@" + annotation + " field " + field + " must be in a class that extends"
        + " ai.djl.nn.AbstractBlock; " + owner + " does not";
  }

  /** A field the generated class cannot reach. */
  public static String fieldOwnerPrivate(String annotation, String field, String privateType) {
    return "@" + annotation + " field " + field + " may not be inside the private type "
        + privateType + "; the generated adapter in the same package must reach it";
  }

  /** DJL missing from the classpath. */
  public static String djlMissing(String annotation) {
    return "@" + annotation + " on a field needs DJL (ai.djl.nn.core.Linear) on the compile"
        + " classpath; add the ai.djl:api dependency";
  }

  /** An annotation on an enum, annotation type or record. */
  public static String wrongKind(String annotation, String kind) {
    return "@" + annotation + " must be on an interface or a class, not on " + kind;
  }

  /** Two declarations whose generated classes would have the same name. */
  public static String generatedNameClash(String generated, String other) {
    return "@Lora/@RankExperts declarations of this type and of " + other + " would both generate "
        + generated + "; rename one of the two types";
  }

  /** A warning: a setting that has no effect in this declaration. */
  public static String balanceUnusedWithTaskRouter(double balance) {
    return "@RankExperts balance (" + balance + ") has no effect with a @TaskRouter: it weighs the"
        + " load-balancing loss of token routing, and routed tasks choose their experts by gate;"
        + " remove it";
  }

  /** A failure while processing one type, such as a generated file that cannot be written. */
  public static String processingFailed(String type, Throwable error) {
    return "rankwise could not process " + type + ": " + error
        + " (if a class of the generated name already exists, rename it; otherwise please report"
        + " this)";
  }
}
