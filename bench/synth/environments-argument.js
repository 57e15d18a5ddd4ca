// The benchmark fleets' environments from a command-line argument: comma-separated names, default dev,
// staging, prod. A module of its own so that plain-cdk8s.js (the anchor) loads nothing of Stagecraft.
'use strict';

const ENVIRONMENTS = ['dev', 'staging', 'prod'];

function environmentsArgument(argument) {
  return argument === undefined || argument === '' ? ENVIRONMENTS : argument.split(',');
}

module.exports = { ENVIRONMENTS, environmentsArgument };
