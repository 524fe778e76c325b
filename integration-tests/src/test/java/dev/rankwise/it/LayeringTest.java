package dev.rankwise.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The modules' layering, one ArchUnit rule per arrow that must never exist: the annotations stand
 * alone, the processor (javac time) never loads the runtime, the library (runtime, then encoders)
 * never reaches up into what is built on it (reporting, serving, the cli, spark, benchmarks), serving
 * builds on the library alone, and nothing
 * depends on the cli (the application) or on the samples. Every module's main classes are on this
 * module's test class path; tests are not analysed. The samples are a user's project outside the
 * reactor, so no class here may name them.
 */
@AnalyzeClasses(packages = "dev.rankwise", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

  private static final String ANNOTATIONS = "dev.rankwise.annotations..";
  private static final String PROCESSOR = "dev.rankwise.processor..";
  private static final String RUNTIME = "dev.rankwise.runtime..";
  private static final String ENCODERS = "dev.rankwise.encoders..";
  private static final String REPORTING = "dev.rankwise.reporting..";
  private static final String SERVING = "dev.rankwise.serving..";
  private static final String CLI = "dev.rankwise.cli..";
  private static final String SAMPLES = "dev.rankwise.samples..";
  private static final String SPARK = "dev.rankwise.spark..";
  private static final String BENCHMARKS = "dev.rankwise.benchmarks..";
  private static final String DJL = "ai.djl..";
  private static final String RUNTIME_INTERNAL = "dev.rankwise.runtime.internal..";

  @ArchTest
  static final ArchRule annotationsDependOnNothingButJava =
      classes().that().resideInAPackage(ANNOTATIONS)
          .should().onlyDependOnClassesThat().resideInAnyPackage(ANNOTATIONS, "java..")
          .because("a user's code compiles against rankwise-annotations, which must bring nothing"
              + " with it (AutoValue's auto-value-annotations)");

  @ArchTest
  static final ArchRule processorNeverOnTheRuntimeOrDjl =
      noClasses().that().resideInAPackage(PROCESSOR)
          .should().dependOnClassesThat().resideInAnyPackage(
              RUNTIME, DJL, ENCODERS, REPORTING, SERVING, CLI, SPARK, BENCHMARKS)
          .because("the processor runs inside javac and only names the runtime's and DJL's types,"
              + " as ClassName constants in one place (Dagger's TypeNames)");

  @ArchTest
  static final ArchRule runtimeNeverOnWhatIsBuiltOnIt =
      noClasses().that().resideInAPackage(RUNTIME)
          .should().dependOnClassesThat().resideInAnyPackage(
              PROCESSOR, ENCODERS, REPORTING, SERVING, CLI, SAMPLES, SPARK, BENCHMARKS)
          .because("the runtime is the library everything else is built on");

  @ArchTest
  static final ArchRule encodersNeverOnTheApplications =
      noClasses().that().resideInAPackage(ENCODERS)
          .should().dependOnClassesThat().resideInAnyPackage(
              PROCESSOR, REPORTING, SERVING, CLI, SPARK, BENCHMARKS)
          .because("the encoders are library code, the pretrained models a user's application"
              + " adapts (DJL keeps its model zoo apart from api, and below every application)");

  @ArchTest
  static final ArchRule servingOnlyOnTheLibrary =
      noClasses().that().resideInAPackage(SERVING)
          .should().dependOnClassesThat().resideInAnyPackage(
              PROCESSOR, REPORTING, CLI, SAMPLES, SPARK, BENCHMARKS, RUNTIME_INTERNAL)
          .because("serving is a library on the runtime and the encoders (an application embeds its"
              + " Server); the cli only wires its options, and the load benchmark lives in the cli");

  @ArchTest
  static final ArchRule onlyTheCliAndBenchmarksUseServing =
      noClasses().that().resideOutsideOfPackages(SERVING, CLI, BENCHMARKS)
          .should().dependOnClassesThat().resideInAPackage(SERVING)
          .because("serving is built on the library, not the other way round");

  @ArchTest
  static final ArchRule nothingDependsOnTheCli =
      noClasses().that().resideOutsideOfPackage(CLI)
          .should().dependOnClassesThat().resideInAPackage(CLI)
          .because("the cli is the application, not a library: what another module needs from it"
              + " belongs in the runtime or the encoders");

  @ArchTest
  static final ArchRule nothingDependsOnTheSamples =
      noClasses().that().resideOutsideOfPackage(SAMPLES)
          .should().dependOnClassesThat().resideInAPackage(SAMPLES)
          .because("the samples are a user's project: product code does not live there");

  @ArchTest
  static final ArchRule onlyTheRuntimeUsesItsInternals =
      noClasses().that().resideOutsideOfPackage(RUNTIME)
          .should().dependOnClassesThat().resideInAPackage(RUNTIME_INTERNAL)
          .because("dev.rankwise.runtime.internal is not API (its package-info says so): what a"
              + " user or another module needs belongs in a public package");

  @ArchTest
  static final ArchRule runtimePackagesFormNoCycle =
      slices().assignedFrom(new RuntimePackages()).should().beFreeOfCycles()
          .because("each runtime package builds on the ones below it (docs/DESIGN.md §1): a cycle"
              + " means two packages are one concept split in two, or one reaches up");

  /** Each package of the runtime is one slice, its root package ({@code AdapterKind} and friends) too. */
  private static final class RuntimePackages implements SliceAssignment {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
      String name = javaClass.getPackageName();
      return name.equals("dev.rankwise.runtime") || name.startsWith("dev.rankwise.runtime.")
          ? SliceIdentifier.of(name) : SliceIdentifier.ignore();
    }

    @Override
    public String getDescription() {
      return "the runtime's packages";
    }
  }
}
