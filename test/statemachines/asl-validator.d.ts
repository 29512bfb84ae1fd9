/** asl-validator 4 ships no type declarations; this is the part the static checks use. */
declare module 'asl-validator' {
  interface ValidationOptions {
    readonly checkPaths: boolean;
    readonly checkArn: boolean;
  }
  interface StateMachineError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  function aslValidator(
    definition: unknown,
    options?: ValidationOptions,
  ): { isValid: boolean; errors: StateMachineError[]; errorsText: (separator?: string) => string };
  export = aslValidator;
}
