#!/bin/bash
echo beta ok
