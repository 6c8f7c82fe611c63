print("finetune-llm: under construction")
