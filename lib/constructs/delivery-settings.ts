/**
 * Delivery settings once defaults are applied: what synth renders the Flux and Argo CD objects from. Not part
 * of the public API (Delivery keeps them in an internal field); public in this room so synth can read them.
 */
/** Flux delivery with defaults applied. */
export interface ResolvedFluxDelivery {
  readonly repository: string;
  readonly branch: string;
  readonly namespace: string;
  readonly intervalSeconds: number;
  readonly prune: boolean;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  readonly secretName?: string;
  readonly verificationSecretName?: string;
  readonly kubeConfigSecretName?: string;
}

/** Argo CD delivery with defaults applied (the destination is resolved against the environment at synth). */
export interface ResolvedArgoCdDelivery {
  readonly repository: string;
  readonly branch: string;
  readonly namespace: string;
  readonly destinationName?: string;
  readonly prune: boolean;
  readonly selfHeal: boolean;
  readonly signatureKeyIds: readonly string[];
}
