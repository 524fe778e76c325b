package dev.rankwise.processor.validation;

import dev.rankwise.processor.ErrorMessages;
import dev.rankwise.processor.model.Attributes;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Checks every rule of docs/DESIGN.md §4 on one annotated type and its fields. It collects errors into
 * a {@link ValidationReport}; it never prints or throws.
 */
public final class DeclarationValidator {

  private static final String LINEAR = "ai.djl.nn.core.Linear";
  private static final String ABSTRACT_BLOCK = "ai.djl.nn.AbstractBlock";

  private final Elements elements;
  private final Types types;

  /** Creates a validator over the compiler's element and type utilities. */
  public DeclarationValidator(Elements elements, Types types) {
    this.elements = elements;
    this.types = types;
  }

  /**
   * Whether a value of the declaration did not compile; javac reports it, and validating the
   * placeholder it leaves would only add a misleading second error.
   */
  public boolean hasErroneousValues(TypeElement type) {
    List<Element> elements = new java.util.ArrayList<>(ElementFilter.fieldsIn(type.getEnclosedElements()));
    elements.add(type);
    for (Element element : elements) {
      for (String annotation : List.of(Attributes.LORA, Attributes.RANK_EXPERTS, Attributes.TASK_ROUTER)) {
        if (Attributes.of(element, annotation).map(Attributes::hasErroneousValue).orElse(false)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The errors of the declaration carried by {@code type} (on itself or on its fields). */
  public ValidationReport validate(TypeElement type) {
    ValidationReport report = new ValidationReport();
    Optional<Attributes> lora = Attributes.of(type, Attributes.LORA);
    Optional<Attributes> experts = Attributes.of(type, Attributes.RANK_EXPERTS);
    Optional<Attributes> router = Attributes.of(type, Attributes.TASK_ROUTER);
    Optional<String> wrongKind = wrongKind(type);
    if (wrongKind.isPresent()) {
      for (Optional<Attributes> annotation : List.of(lora, experts, router)) {
        annotation.ifPresent(a -> report.error(
            ErrorMessages.wrongKind(a.simpleName(), wrongKind.get()), type, a.mirror(), null));
      }
      // Annotated fields of such a type get the field rules' message: their owner is no block.
      for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
        Attributes.of(field, Attributes.LORA)
            .or(() -> Attributes.of(field, Attributes.RANK_EXPERTS))
            .ifPresent(adapter -> checkField(field, adapter, type, report));
      }
    } else {
      String typeName = type.getQualifiedName().toString();
      boolean hasAdapter = lora.isPresent() || experts.isPresent();
      boolean hasExperts = experts.isPresent();
      checkAdapters(type, lora, experts, true, typeName, router.isPresent(), report);
      for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
        Optional<Attributes> fieldLora = Attributes.of(field, Attributes.LORA);
        Optional<Attributes> fieldExperts = Attributes.of(field, Attributes.RANK_EXPERTS);
        if (fieldLora.isEmpty() && fieldExperts.isEmpty()) {
          continue;
        }
        hasAdapter = true;
        hasExperts |= fieldExperts.isPresent();
        checkAdapters(field, fieldLora, fieldExperts, false, typeName, router.isPresent(), report);
        checkField(field, fieldLora.or(() -> fieldExperts).orElseThrow(), type, report);
      }
      if (router.isPresent()) {
        checkRouter(type, router.get(), hasAdapter, hasExperts, typeName, report);
      }
    }
    return report;
  }

  /**
   * The kind of a type that may not carry a declaration, such as "a record": the generated adapter
   * configures an interface's targets or assigns a block class's fields, and an enum, annotation
   * type or record is neither.
   */
  private static Optional<String> wrongKind(TypeElement type) {
    return switch (type.getKind()) {
      case ENUM -> Optional.of("an enum");
      case ANNOTATION_TYPE -> Optional.of("an annotation type");
      case RECORD -> Optional.of("a record");
      default -> Optional.empty();
    };
  }

  private void checkAdapters(
      Element element,
      Optional<Attributes> lora,
      Optional<Attributes> experts,
      boolean typeLevel,
      String typeName,
      boolean hasRouter,
      ValidationReport report) {
    if (lora.isPresent() && experts.isPresent()) {
      report.error(ErrorMessages.bothAdapters(), element, experts.get().mirror(), null);
      return;
    }
    lora.ifPresent(a -> checkLora(element, a, typeName, hasRouter, report));
    experts.ifPresent(a -> checkExperts(element, a, report));
    experts.filter(a -> hasRouter && a.isExplicit("balance")).ifPresent(a -> report.warning(
        ErrorMessages.balanceUnusedWithTaskRouter(a.doubleValue("balance")), element, a.mirror(),
        a.value("balance")));
    lora.or(() -> experts).ifPresent(a -> checkTargets(element, a, typeLevel, report));
  }

  private static void checkLora(
      Element element, Attributes lora, String typeName, boolean hasRouter, ValidationReport report) {
    int rankA = lora.intValue("rankA");
    int rankB = lora.intValue("rankB");
    atLeastOne(element, lora, "rankA", report);
    atLeastOne(element, lora, "rankB", report);
    if (rankA >= 1 && rankB >= 1 && lora.enumValue("mixer").equals("IDENTITY") && rankA != rankB) {
      report.error(ErrorMessages.identityNeedsEqualRanks(rankA, rankB), element, lora.mirror(),
          lora.value("mixer"));
    }
    finiteNonNegative(element, lora, "alpha", "0 means min(rankA, rankB)", report);
    dropout(element, lora, report);
    if (lora.booleanValue("perTask") && !hasRouter) {
      report.error(ErrorMessages.perTaskNeedsRouter(typeName), element, lora.mirror(),
          lora.value("perTask"));
    }
  }

  private static void checkExperts(Element element, Attributes experts, ValidationReport report) {
    int count = experts.intValue("count");
    int topK = experts.intValue("topK");
    atLeastOne(element, experts, "count", report);
    atLeastOne(element, experts, "topK", report);
    if (count >= 1 && topK > count) {
      report.error(ErrorMessages.topKAboveCount(topK, count), element, experts.mirror(),
          experts.value("topK"));
    }
    finiteNonNegative(element, experts, "alpha", "0 means topK", report);
    dropout(element, experts, report);
    finiteNonNegative(element, experts, "balance", "0 turns load balancing off", report);
  }

  private static void checkTargets(
      Element element, Attributes adapter, boolean typeLevel, ValidationReport report) {
    List<AnnotationValue> targets = adapter.arrayValues("targets");
    String annotation = adapter.simpleName();
    if (!typeLevel) {
      if (!targets.isEmpty()) {
        report.error(ErrorMessages.fieldTargets(annotation), element, adapter.mirror(),
            adapter.value("targets"));
      }
      return;
    }
    if (targets.isEmpty()) {
      report.error(ErrorMessages.targetsRequired(annotation), element, adapter.mirror(),
          adapter.isExplicit("targets") ? adapter.value("targets") : null);
      return;
    }
    Set<String> seen = new HashSet<>();
    for (AnnotationValue target : targets) {
      String pattern = (String) target.getValue();
      if (!TargetPatterns.isWellFormed(pattern)) {
        report.error(ErrorMessages.malformedTarget(annotation, pattern), element, adapter.mirror(), target);
      } else if (!seen.add(pattern)) {
        report.error(ErrorMessages.duplicateTarget(annotation, pattern), element, adapter.mirror(), target);
      }
    }
  }

  /**
   * The field rules, first failure only: one mistake (a field in an interface is implicitly static
   * and final, for example) gets one error, the one that says what to change first.
   */
  private void checkField(
      VariableElement field, Attributes adapter, TypeElement owner, ValidationReport report) {
    String annotation = adapter.simpleName();
    String name = owner.getSimpleName() + "." + field.getSimpleName();
    TypeElement linear = elements.getTypeElement(LINEAR);
    if (linear == null) {
      report.error(ErrorMessages.djlMissing(annotation), field, adapter.mirror(), null);
      return;
    }
    TypeElement block = elements.getTypeElement(ABSTRACT_BLOCK);
    if (owner.getKind() != ElementKind.CLASS
        || (block != null
            && !types.isSubtype(types.erasure(owner.asType()), types.erasure(block.asType())))) {
      report.error(ErrorMessages.fieldOwnerNotBlock(annotation, name, owner.getQualifiedName().toString()),
          field, adapter.mirror(), null);
      return;
    }
    TypeMirror fieldType = types.erasure(field.asType());
    TypeMirror linearType = types.erasure(linear.asType());
    if (!types.isSameType(fieldType, linearType)) {
      String message = types.isSubtype(fieldType, linearType)
          ? ErrorMessages.fieldLinearSubtype(annotation, name, field.asType().toString())
          : ErrorMessages.fieldNotLinear(annotation, name, field.asType().toString());
      report.error(message, field, adapter.mirror(), null);
      return;
    }
    for (Modifier modifier : List.of(Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)) {
      if (field.getModifiers().contains(modifier)) {
        report.error(ErrorMessages.fieldModifier(annotation, name, modifier.toString()), field,
            adapter.mirror(), null);
        return;
      }
    }
    for (Element enclosing = owner; enclosing instanceof TypeElement;
        enclosing = enclosing.getEnclosingElement()) {
      if (enclosing.getModifiers().contains(Modifier.PRIVATE)) {
        report.error(ErrorMessages.fieldOwnerPrivate(annotation, name, enclosing.getSimpleName().toString()),
            field, adapter.mirror(), null);
        return;
      }
    }
  }

  private static void checkRouter(
      TypeElement type,
      Attributes router,
      boolean hasAdapter,
      boolean hasExperts,
      String typeName,
      ValidationReport report) {
    List<AnnotationValue> tasks = router.arrayValues("tasks");
    if (tasks.isEmpty()) {
      report.error(ErrorMessages.noTasks(), type, router.mirror(), router.value("tasks"));
    }
    Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (AnnotationValue value : tasks) {
      String task = (String) value.getValue();
      if (SourceVersion.isKeyword(task)) {
        report.error(ErrorMessages.taskIsKeyword(task), type, router.mirror(), value);
      } else if (!SourceVersion.isIdentifier(task)) {
        report.error(ErrorMessages.taskNotIdentifier(task), type, router.mirror(), value);
      } else {
        String other = seen.putIfAbsent(task, task);
        if (task.equals(other)) {
          report.error(ErrorMessages.duplicateTask(task), type, router.mirror(), value);
        } else if (other != null) {
          report.error(
              ErrorMessages.tasksDifferOnlyInCase(task, other), type, router.mirror(), value);
        }
      }
    }
    if (!hasAdapter) {
      report.error(ErrorMessages.routerNeedsAdapter(typeName), type, router.mirror(), null);
      return;
    }
    if (router.booleanValue("adaptive") && !hasExperts) {
      report.error(ErrorMessages.needsRankExperts("adaptive", typeName), type, router.mirror(),
          router.value("adaptive"));
    }
    double contrastive = router.doubleValue("contrastive");
    if (!Double.isFinite(contrastive) || contrastive < 0) {
      report.error(ErrorMessages.finiteNonNegative("TaskRouter", "contrastive", contrastive,
          "0 turns the contrastive loss off"), type, router.mirror(), router.value("contrastive"));
    } else if (contrastive != 0 && !hasExperts) {
      report.error(ErrorMessages.needsRankExperts("contrastive", typeName), type, router.mirror(),
          router.value("contrastive"));
    }
  }

  private static void atLeastOne(Element element, Attributes attributes, String name, ValidationReport report) {
    int value = attributes.intValue(name);
    if (value < 1) {
      report.error(ErrorMessages.atLeastOne(attributes.simpleName(), name, value), element,
          attributes.mirror(), attributes.value(name));
    }
  }

  private static void finiteNonNegative(
      Element element, Attributes attributes, String name, String hint, ValidationReport report) {
    double value = attributes.doubleValue(name);
    if (!Double.isFinite(value) || value < 0) {
      report.error(ErrorMessages.finiteNonNegative(attributes.simpleName(), name, value, hint),
          element, attributes.mirror(), attributes.value(name));
    }
  }

  private static void dropout(Element element, Attributes attributes, ValidationReport report) {
    double value = attributes.doubleValue("dropout");
    if (!(value >= 0 && value < 1)) {
      report.error(ErrorMessages.dropoutRange(attributes.simpleName(), value), element,
          attributes.mirror(), attributes.value("dropout"));
    }
  }
}
