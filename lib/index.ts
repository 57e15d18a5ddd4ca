// Constructs
export * from './synth/fleet';
export * from './constructs/environment';
export * from './constructs/delivery';
export * from './constructs/in-cluster-reconciler-options';
export * from './constructs/in-cluster-reconciler';
export * from './constructs/managed-resource';
export * from './constructs/application';
export * from './constructs/application-overrides';
export * from './constructs/manifest-factory';
export * from './constructs/existing-manifests';
export * from './constructs/promotion-policy';
export * from './constructs/promotion-gate';
export * from './constructs/time-window';

// Env-repo format
export * from './envrepo/layout';
export * from './constructs/risk-class';

// Promotion
export * from './promotion/promotion-testing';
